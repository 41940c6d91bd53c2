/**
 * Drop whole folders (or pick files / a folder). Folder drops are walked recursively through
 * `webkitGetAsEntry`, keeping each file's path relative to what was dropped.
 */
import { useRef, useState, type DragEvent, type ReactNode } from 'react';

export interface PickedFile {
  path: string;
  file: File;
}

function readAllEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const out: FileSystemEntry[] = [];
    const step = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(out);
        else {
          out.push(...batch);
          step(); // readEntries returns at most ~100 entries per call
        }
      }, reject);
    step();
  });
}

async function walk(entry: FileSystemEntry, prefix: string, out: PickedFile[], problems: string[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    try {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ path, file });
    } catch (e) {
      problems.push(`${path}: could not be read (${(e as Error).message})`);
    }
  } else if (entry.isDirectory) {
    try {
      const children = await readAllEntries((entry as FileSystemDirectoryEntry).createReader());
      for (const c of children) await walk(c, path, out, problems);
    } catch (e) {
      problems.push(`${path}/: folder could not be read (${(e as Error).message})`);
    }
  }
}

export async function filesFromDataTransfer(dt: DataTransfer): Promise<{ files: PickedFile[]; problems: string[] }> {
  const files: PickedFile[] = [];
  const problems: string[] = [];
  const entries = Array.from(dt.items)
    .map((it) => (it.kind === 'file' ? it.webkitGetAsEntry?.() : null))
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length > 0) {
    for (const e of entries) await walk(e, '', files, problems);
  } else {
    for (const f of Array.from(dt.files)) files.push({ path: (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name, file: f });
  }
  return { files, problems };
}

export function filesFromInput(list: FileList | null): PickedFile[] {
  return Array.from(list ?? []).map((f) => ({ path: f.webkitRelativePath || f.name, file: f }));
}

export function Dropzone({ onFiles, children, label = 'Drop a folder of images here' }: { onFiles: (files: PickedFile[], problems: string[]) => void; children?: ReactNode; label?: string }) {
  const [over, setOver] = useState(false);
  const folderInput = useRef<HTMLInputElement>(null);
  const filesInput = useRef<HTMLInputElement>(null);
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const { files, problems } = await filesFromDataTransfer(e.dataTransfer);
    onFiles(files, problems);
  };
  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => void onDrop(e)}
    >
      <div>{label}</div>
      <div className="row">
        <button onClick={() => folderInput.current?.click()}>Choose folder…</button>
        <button onClick={() => filesInput.current?.click()}>Choose files…</button>
      </div>
      <input
        ref={folderInput}
        data-testid="folder-input"
        type="file"
        hidden
        multiple
        {...({ webkitdirectory: '', directory: '' } as Record<string, string>)}
        onChange={(e) => {
          onFiles(filesFromInput(e.target.files), []);
          e.target.value = '';
        }}
      />
      <input
        ref={filesInput}
        data-testid="files-input"
        type="file"
        hidden
        multiple
        onChange={(e) => {
          onFiles(filesFromInput(e.target.files), []);
          e.target.value = '';
        }}
      />
      {children}
    </div>
  );
}
