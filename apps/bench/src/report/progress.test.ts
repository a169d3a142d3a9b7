import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar } from './progress.js';

/** A stream that records what is written; `isTTY` as asked. */
function sink(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream & { isTTY: boolean; columns: number };
  w.isTTY = isTTY;
  w.columns = 120;
  // cli-progress moves the cursor on a terminal: give the calls it makes.
  Object.assign(w, { cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: w, text: () => text };
}

describe('progressBar', () => {
  it('draws on a terminal, counting to the total', () => {
    const s = sink(true);
    const bar = progressBar('study', 10, { stream: s.stream });
    bar.increment(4);
    bar.update(10);
    bar.stop();
    bar.increment();
    expect(s.text()).toContain('study');
    expect(s.text()).toContain('10/10');
  });

  it('writes nothing when the stream is not a terminal (piped output stays clean)', () => {
    const s = sink(false);
    const bar = progressBar('study', 10, { stream: s.stream });
    bar.increment(5);
    bar.update(9);
    bar.stop();
    expect(s.text()).toBe('');
  });
});
