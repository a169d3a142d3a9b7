/**
 * xmlProblem: a small well-formedness check for the SVG the report writes, so tests can
 * say "this SVG parses" without a parser dependency. It checks what breaks viewers: one
 * root element, every tag closed in order, attributes quoted and not repeated, `<` never
 * bare in text, `&` only as an entity. It does not resolve DTDs or validate against SVG.
 */

const NAME = /^[A-Za-z_:][\w:.-]*/;
const ENTITY = /^&(?:[A-Za-z_][\w.-]*|#\d+|#x[0-9A-Fa-f]+);/;

function checkText(text: string, at: number): string | null {
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
    if (!ENTITY.test(text.slice(i, i + 40))) return `bare '&' at ${at + i}`;
  }
  return null;
}

function checkAttributes(body: string, at: number): string | null {
  const seen = new Set<string>();
  let rest = body;
  for (;;) {
    rest = rest.replace(/^\s+/, '');
    if (rest === '') return null;
    const name = NAME.exec(rest)?.[0];
    if (name === undefined)
      return `bad attribute text ${JSON.stringify(rest.slice(0, 30))} near ${at}`;
    if (seen.has(name)) return `attribute ${name} repeated near ${at}`;
    seen.add(name);
    rest = rest.slice(name.length);
    const m = /^\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(rest);
    if (m === null) return `attribute ${name} is not name="value" near ${at}`;
    const problem = checkText(m[2] ?? m[3] ?? '', at);
    if (problem !== null) return problem;
    rest = rest.slice(m[0].length);
  }
}

/** null when `xml` is well-formed, else what is wrong and where (a character offset). */
export function xmlProblem(xml: string): string | null {
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    if (stack.length === 0 && text.trim() !== '') return `text outside the root element at ${i}`;
    const tp = checkText(text, i);
    if (tp !== null) return tp;
    if (lt < 0) break;
    const ahead = xml.slice(lt, lt + 9);
    let end: number;
    if (ahead.startsWith('<!--')) {
      end = xml.indexOf('-->', lt + 4);
      if (end < 0) return `unclosed comment at ${lt}`;
      i = end + 3;
      continue;
    }
    if (ahead.startsWith('<![CDATA[')) {
      end = xml.indexOf(']]>', lt);
      if (end < 0 || stack.length === 0) return `bad CDATA at ${lt}`;
      i = end + 3;
      continue;
    }
    if (ahead.startsWith('<?') || ahead.startsWith('<!')) {
      if (roots > 0 || stack.length > 0) return `declaration inside the document at ${lt}`;
      end = xml.indexOf('>', lt);
      if (end < 0) return `unclosed declaration at ${lt}`;
      i = end + 1;
      continue;
    }
    end = xml.indexOf('>', lt);
    if (end < 0) return `unclosed tag at ${lt}`;
    const tag = xml.slice(lt + 1, end);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) return `</${name}> at ${lt} closes <${open ?? 'nothing'}>`;
    } else {
      const selfClosing = tag.endsWith('/');
      const inner = selfClosing ? tag.slice(0, -1) : tag;
      const name = NAME.exec(inner)?.[0];
      if (name === undefined) return `bad tag name at ${lt}`;
      const ap = checkAttributes(inner.slice(name.length), lt);
      if (ap !== null) return ap;
      if (stack.length === 0) {
        roots++;
        if (roots > 1) return `a second root element <${name}> at ${lt}`;
      }
      if (!selfClosing) stack.push(name);
    }
    i = end + 1;
  }
  if (stack.length > 0) return `<${stack[stack.length - 1]}> is never closed`;
  if (roots === 0) return 'no root element';
  return null;
}
