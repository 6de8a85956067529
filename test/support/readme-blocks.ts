/**
 * The ```sh blocks of a Markdown file with the `<!-- readme-test: … -->` markers that precede them
 * (the convention is documented in README.md, "Development"):
 *   <!-- readme-test: skip (reason) -->   not run; the reason is required
 *   <!-- readme-test: expect /regex/flags -->   the block's output (stdout and stderr) must match; repeatable
 *   <!-- readme-test: exit N -->   the block's documented exit code when it is not 0 (e.g. a deny is 4)
 *   <!-- readme-test: run-for N -->   a block that runs until stopped (a server, a poll loop): stopped after
 *                                     N seconds, passes if it has not failed by then
 * Markers sit on the lines right before the fence (blank lines between them are allowed).
 */
export interface ShellBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  skip?: string;
  expect: RegExp[];
  runForSeconds?: number;
  /** The exit code the block must end with (default 0). */
  exitCode: number;
}

const MARKER = /^<!--\s*readme-test:\s*(.*?)\s*-->$/;

export function shellBlocks(file: string, markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(\S*)\s*$/.exec(lines[i] ?? '');
    if (!fence) continue;
    const language = fence[2] ?? '';
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end] ?? '')) end++;
    if (language === 'sh' || language === 'bash' || language === 'shell') {
      const block: ShellBlock = { file, line: i + 1, code: lines.slice(i + 1, end).join('\n'), expect: [], exitCode: 0 };
      for (let k = i - 1; k >= 0; k--) {
        const text = (lines[k] ?? '').trim();
        if (text === '') continue;
        const marker = MARKER.exec(text);
        if (!marker) break;
        applyMarker(block, marker[1] ?? '', `${file}:${k + 1}`);
      }
      blocks.push(block);
    }
    i = end;
  }
  return blocks;
}

function applyMarker(block: ShellBlock, text: string, where: string): void {
  const skip = /^skip\s*\((.+)\)$/.exec(text);
  if (skip) {
    block.skip = skip[1];
    return;
  }
  const expected = /^expect\s+\/(.+)\/([a-z]*)$/.exec(text);
  if (expected) {
    block.expect.unshift(new RegExp(expected[1] ?? '', expected[2]));
    return;
  }
  const exit = /^exit\s+(\d+)$/.exec(text);
  if (exit) {
    block.exitCode = Number(exit[1]);
    return;
  }
  const runFor = /^run-for\s+(\d+)$/.exec(text);
  if (runFor) {
    block.runForSeconds = Number(runFor[1]);
    return;
  }
  throw new Error(`${where}: unknown readme-test marker "${text}" (skip (reason), expect /regex/, exit N, run-for N)`);
}
