// A minimal RFC 4180 reader for reference files: comma-separated fields, CRLF or LF line ends, a
// field in double quotes may hold commas, line breaks and "" for a quote. A malformed file is an
// error naming the line, never a guess.

export interface CsvRow {
  /** The line the row starts on, 1-based. */
  line: number;
  fields: string[];
}

const UNQUOTED = /[^,\r\n"]*/y;

export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let row: CsvRow = { line, fields: [] };
  const n = text.length;
  for (;;) {
    // at the start of a field
    let field: string;
    if (text[i] === '"') {
      const startLine = line;
      field = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new Error(`line ${startLine}: a quoted field is not closed`);
        const part = text.slice(i, quote);
        field += part;
        line += countLineBreaks(part);
        if (text[quote + 1] === '"') {
          field += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      if (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') throw new Error(`line ${line}: text after the closing quote of a field`);
    } else {
      UNQUOTED.lastIndex = i;
      UNQUOTED.exec(text);
      field = text.slice(i, UNQUOTED.lastIndex);
      i = UNQUOTED.lastIndex;
      if (text[i] === '"') throw new Error(`line ${line}: a quote inside a field that does not start with one`);
    }
    row.fields.push(field);
    if (text[i] === ',') {
      i++;
      continue;
    }
    // end of a row: a line break or the end of the text
    if (!(row.fields.length === 1 && row.fields[0] === '' && text[i - 1] !== '"')) rows.push(row);
    if (i >= n) return rows;
    i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
    line++;
    if (i >= n) return rows;
    row = { line, fields: [] };
  }
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) count++;
  }
  return count;
}
