// The whole match (not only the loaded rows) as NDJSON or CSV, streamed by the server.
import { apiKey, authHeaders, queryString } from '../api.ts';
import { filterParams, type SearchState } from '../state.ts';

export function ExportMenu({ state, columns }: { state: SearchState; columns: string[] }) {
  const href = (format: 'ndjson' | 'csv') => `/api/v1/export?${queryString({
    ...filterParams(state), format, fields: format === 'csv' ? ['timestamp', 'stream', 'level', ...columns, 'message'].join(',') : undefined,
  })}`;
  // with a key the download goes through fetch (a link cannot send the header)
  const download = async (event: MouseEvent, format: 'ndjson' | 'csv') => {
    if (!apiKey()) return;
    event.preventDefault();
    const response = await fetch(href(format), { headers: authHeaders() });
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = `tributary.${format}`;
    link.click();
    URL.revokeObjectURL(url);
  };
  return (
    <span class="export">
      Export <a href={href('ndjson')} download onClick={(event) => download(event, 'ndjson')}>NDJSON</a>
      {' · '}<a href={href('csv')} download onClick={(event) => download(event, 'csv')}>CSV</a>
    </span>
  );
}
