// Relative ranges (last 5 minutes … 30 days), all time, or an absolute range in UTC.
import { useState } from 'preact/hooks';
import { RANGES, RANGE_LABELS, type RangeName, type SearchState } from '../state.ts';

/** ISO → the value of a datetime-local input, read as UTC. */
const toInput = (iso: string) => (iso ? iso.slice(0, 19) : '');
const fromInput = (value: string) => (value ? new Date(`${value}Z`).toISOString() : '');

export function TimePicker({ state, onChange }: { state: SearchState; onChange: (next: Partial<SearchState>) => void }) {
  const [from, setFrom] = useState(toInput(state.from));
  const [to, setTo] = useState(toInput(state.to));
  const custom = state.range === 'custom';
  return (
    <div class="timepicker">
      <select aria-label="Time range" value={state.range} onChange={(event) => {
        const range = event.currentTarget.value as RangeName;
        if (range === 'custom') onChange({ range, from: state.from || new Date(Date.now() - 3_600_000).toISOString(), to: state.to || new Date().toISOString() });
        else onChange({ range, from: '', to: '' });
      }}>
        {RANGES.map((range) => <option key={range} value={range}>{RANGE_LABELS[range]}</option>)}
      </select>
      {custom ? (
        <form class="custom-range" onSubmit={(event) => { event.preventDefault(); onChange({ range: 'custom', from: fromInput(from), to: fromInput(to) }); }}>
          <input type="datetime-local" step="1" aria-label="From (UTC)" value={toInput(state.from) === from ? toInput(state.from) : from} onInput={(event) => setFrom(event.currentTarget.value)} />
          <span>→</span>
          <input type="datetime-local" step="1" aria-label="To (UTC)" value={toInput(state.to) === to ? toInput(state.to) : to} onInput={(event) => setTo(event.currentTarget.value)} />
          <button type="submit">Apply</button>
          <span class="muted">UTC</span>
        </form>
      ) : null}
    </div>
  );
}
