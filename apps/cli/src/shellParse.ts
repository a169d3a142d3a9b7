/**
 * The shell's command-line parser: the part of sh's grammar that the kernel's own
 * commands need, and a clear refusal for the rest.
 *
 * - Words split on blanks; 'single quotes' keep everything literally, "double quotes"
 *   keep everything but a backslash before \ " $ or `; outside quotes a backslash keeps
 *   the next character. Quoted and unquoted parts next to each other make one word
 *   (max="10M" is max=10M), and "" is an empty word.
 * - `> FILE` and `>> FILE` send the command's output into a file (the stack's interface
 *   files take a write, not an append, so both write), `;` separates commands, and `#`
 *   at the start of a word starts a comment.
 * - Refused with a reason, as sh refuses them: an unterminated quote, a line ending in a
 *   backslash, a redirection without a file or without a command, two redirections, and
 *   the operators this shell has no use for (| & < ` $( ), which would otherwise be
 *   taken for words and do something surprising.
 *
 * Why by hand: sh's quoting rules are a few lines; a shell-parsing package would bring
 * variables, globbing and pipelines this shell deliberately does not have.
 */

export interface Redirect {
  readonly path: string;
  /** `>>`: the same write as `>` on an interface file, kept for the message. */
  readonly append: boolean;
}

export interface ShellCommand {
  readonly argv: readonly string[];
  readonly redirect?: Redirect;
}

export type ParsedLine =
  | { readonly ok: true; readonly commands: readonly ShellCommand[] }
  | { readonly ok: false; readonly error: string };

type Token = { kind: 'word'; text: string } | { kind: 'op'; op: '>' | '>>' | ';' };

const BLANK = /[ \t\r\n]/;
const UNSUPPORTED: Readonly<Record<string, string>> = {
  '|': 'pipes',
  '&': 'background jobs and &&',
  '<': 'input redirection',
  '`': 'command substitution',
  '(': 'subshells',
  ')': 'subshells',
};

/** Splits a line into words and operators, or says what is wrong with it. */
function tokenize(line: string): Token[] | string {
  const out: Token[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) out.push({ kind: 'word', text: word });
    word = '';
    inWord = false;
  };
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (BLANK.test(c)) {
      endWord();
      i++;
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return "syntax error: unterminated ' quote";
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= line.length) return 'syntax error: unterminated " quote';
        const d = line[j]!;
        if (d === '"') break;
        if (d === '\\' && j + 1 < line.length && '\\"$`'.includes(line[j + 1]!)) {
          word += line[j + 1];
          j += 2;
        } else {
          word += d;
          j++;
        }
      }
      inWord = true;
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return 'syntax error: the line ends with a backslash';
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (c === '>') {
      endWord();
      const append = line[i + 1] === '>';
      out.push({ kind: 'op', op: append ? '>>' : '>' });
      i += append ? 2 : 1;
    } else if (c === ';') {
      endWord();
      out.push({ kind: 'op', op: ';' });
      i++;
    } else if (c === '$' && line[i + 1] === '(') {
      return "syntax error: '$(' (command substitution) is not supported in this shell";
    } else if (UNSUPPORTED[c] !== undefined) {
      return `syntax error: '${c}' (${UNSUPPORTED[c]}) is not supported in this shell`;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  endWord();
  return out;
}

/** Parses one input line into its commands (none for a blank line or a comment). */
export function parseLine(line: string): ParsedLine {
  const tokens = tokenize(line);
  if (typeof tokens === 'string') return { ok: false, error: tokens };
  const commands: ShellCommand[] = [];
  let argv: string[] = [];
  let redirect: Redirect | undefined;
  const finish = (): string | undefined => {
    if (argv.length === 0) {
      if (redirect !== undefined) return 'syntax error: a redirection needs a command';
      return undefined;
    }
    commands.push(redirect === undefined ? { argv } : { argv, redirect });
    argv = [];
    redirect = undefined;
    return undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'word') {
      argv.push(t.text);
    } else if (t.op === ';') {
      if (argv.length === 0 && redirect === undefined) {
        return { ok: false, error: "syntax error near unexpected token ';'" };
      }
      const e = finish();
      if (e !== undefined) return { ok: false, error: e };
    } else {
      const next = tokens[i + 1];
      if (next === undefined || next.kind !== 'word') {
        const shown = next === undefined ? 'newline' : next.op;
        return { ok: false, error: `syntax error near unexpected token '${shown}'` };
      }
      if (redirect !== undefined) {
        return { ok: false, error: 'syntax error: one redirection per command' };
      }
      redirect = { path: next.text, append: t.op === '>>' };
      i++;
    }
  }
  const e = finish();
  if (e !== undefined) return { ok: false, error: e };
  return { ok: true, commands };
}
