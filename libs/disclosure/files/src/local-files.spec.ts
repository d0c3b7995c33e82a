import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectLocalFiles, LocalFilesError, type WalkNotice } from './local-files';

const tree = (files: Record<string, string>): string => {
  const root = mkdtempSync(join(tmpdir(), 'airlock-files-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
};

describe('collectLocalFiles', () => {
  it('walks folders in sorted order, hidden files included, naming files relative to the working folder', async () => {
    const root = tree({ 'out/b.csv': 'b', 'out/a.csv': 'a', 'out/.hidden': 'h', 'out/checksums/a.csv.txt': 'x', 'top.csv': 't' });
    const files = await collectLocalFiles(['top.csv', 'out'], root);
    expect(files.map((f) => f.name)).toEqual(['top.csv', 'out/.hidden', 'out/a.csv', 'out/b.csv', 'out/checksums/a.csv.txt']);
    expect(files[0]).toEqual({ name: 'top.csv', path: join(root, 'top.csv'), size: 1 });
  });

  it('names files outside the working folder from the folder named', async () => {
    const root = tree({ 'elsewhere/acro/results.json': '{}', 'work/x': '' });
    const files = await collectLocalFiles([join(root, 'elsewhere/acro')], join(root, 'work'));
    expect(files.map((f) => f.name)).toEqual(['acro/results.json']);
  });

  it('lists a file named twice once', async () => {
    const root = tree({ 'a.csv': 'a' });
    expect((await collectLocalFiles(['a.csv', './a.csv', '.'], root)).map((f) => f.name)).toEqual(['a.csv']);
  });

  it('does not follow links to folders (no cycles), and says so', async () => {
    const root = tree({ 'out/a.csv': 'a' });
    symlinkSync(join(root, 'out'), join(root, 'out', 'loop'));
    const notices: WalkNotice[] = [];
    expect((await collectLocalFiles(['out'], root, (n) => notices.push(n))).map((f) => f.name)).toEqual(['out/a.csv']);
    expect(notices).toEqual([{ skipped: join(root, 'out', 'loop'), reason: 'a symbolic link to a folder' }]);
  });

  it.each([
    ['a missing path', ['nope.csv'], 'missing'],
    ['an empty folder', ['empty'], 'empty-folder'],
  ])('refuses %s', async (_name, args, code) => {
    const root = tree({ 'a.csv': 'a' });
    mkdirSync(join(root, 'empty'));
    await expect(collectLocalFiles(args, root)).rejects.toMatchObject({ code, constructor: LocalFilesError });
  });
});
