// Which streams a search reads: all, or the ones ticked.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, type StreamInfo } from '../api.ts';

export function StreamPicker({ selected, onChange, only }: { selected: string[]; onChange: (streams: string[]) => void; only?: string[] }) {
  const [streams, setStreams] = useState<StreamInfo[]>([]);
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    get<{ streams: StreamInfo[] }>('/api/v1/streams').then((result) => setStreams(result.streams)).catch(() => undefined);
    const outside = (event: MouseEvent) => { if (!box.current?.contains(event.target as Node)) setOpen(false); };
    addEventListener('mousedown', outside);
    return () => removeEventListener('mousedown', outside);
  }, [open]);
  const names = new Set([...(only ?? streams.map((s) => s.stream)), ...selected]);
  const records = new Map(streams.map((s) => [s.stream, s.records]));
  const label = selected.length === 0 ? 'All streams' : selected.length === 1 ? selected[0] : `${selected.length} streams`;
  return (
    <div class="streampicker" ref={box}>
      <button aria-haspopup="listbox" aria-expanded={open} onClick={() => setOpen(!open)} title="Streams to search">{label} ▾</button>
      {open ? (
        <div class="dropdown" role="listbox">
          {only ? null : <label><input type="checkbox" checked={selected.length === 0} onChange={() => onChange([])} /> All streams</label>}
          {[...names].sort().map((name) => (
            <label key={name}>
              <input type="checkbox" checked={selected.includes(name)}
                onChange={(event) => onChange(event.currentTarget.checked ? [...selected, name] : selected.filter((s) => s !== name))} />
              {' '}{name} <span class="muted">{recordsText(records.get(name))}</span>
            </label>
          ))}
        </div>
      ) : null}
    </div>
  );
}

/** A stream indexed on search has its records counted once it is first searched. */
function recordsText(records: number | null | undefined): string {
  if (records === undefined) return '';
  return records === null ? 'indexed when searched' : records.toLocaleString('en');
}
