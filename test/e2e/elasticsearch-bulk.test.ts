// Elasticsearch's ingest API, driven by Elastic's own Python client (helpers.bulk, gzip, index
// with an _id) and by hand for what a client does not send: every document acknowledged is
// searchable in the stream its index names, a document sent again with its _id replaces the
// first, bad items get Elasticsearch's per-item errors, a broken body a 400 in its error shape.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { childServerForSuite, getJson, streamRecords, ROOT, type ChildServer } from './harness.ts';
import { runPythonClient, skipWithoutPythonModule } from '../support/clients.ts';

async function send(url: string, method: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(url, { method, body, headers: { 'content-type': 'application/x-ndjson', ...headers } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

describe('the Elasticsearch ingest API', () => {
  const suite = childServerForSuite('es-bulk');
  let server: ChildServer;

  before(() => {
    server = suite.server();
  });

  it('takes what Elastic\'s Python client sends: info, helpers.bulk plain and gzip, index with an _id, and bad items', { skip: skipWithoutPythonModule('elasticsearch') }, async () => {
    const out = runPythonClient(path.join(ROOT, 'test/fixtures/clients/es_bulk.py'), [server.url]) as any;
    assert.equal(out.info.version.number.split('.')[0], '8');
    assert.deepEqual(out.bulk, [500, []]);
    assert.deepEqual(out.bulk_gzip, [300, []]);
    assert.equal(out.doc._id, 'refund-1');
    assert.equal(out.bad.ok, 1);
    assert.deepEqual(out.bad.errors.map((error: any) => [Object.keys(error)[0], Object.values<any>(error)[0].status, Object.values<any>(error)[0].error.type]),
      [['index', 400, 'invalid_index_name_exception'], ['delete', 400, 'illegal_argument_exception']]);
    // 500 + 300 + the one good document of the bad bulk
    await streamRecords(server.url, 'shop-orders', '', 801);
    assert.equal((await getJson(`${server.url}/api/v1/search?stream=shop-orders&q=${encodeURIComponent('level:warn AND amount:>=700')}&limit=0`)).body.total, 100);
    assert.equal((await getJson(`${server.url}/api/v1/search?stream=shop-orders&q=customer:c3&limit=0`)).body.total, 71);
    const refunds = (await getJson(`${server.url}/api/v1/search?stream=shop-refunds`)).body;
    assert.equal(refunds.total, 1, 'the document sent again with its _id replaced the first');
    assert.deepEqual([refunds.hits[0].id, refunds.hits[0].record.message], ['refund-1', 'refund done']);
  });

  it('answers each item with the id search finds it by, the path\'s index when the action names none, and gzip bodies', async () => {
    const lines = ['{"index":{}}', '{"message":"first","n":1}', '{"create":{"_index":"other-index"}}', '{"message":"second","n":2}', '{"index":{"_id":"own-7"}}', '{"message":"third","n":3}', ''];
    const { status, headers, body } = await send(`${server.url}/path-index/_bulk`, 'POST', gzipSync(lines.join('\n')), { 'content-encoding': 'gzip' });
    assert.equal(status, 200);
    assert.equal(headers.get('x-elastic-product'), 'Elasticsearch');
    assert.equal(body.errors, false);
    assert.deepEqual(body.items.map((item: any) => [Object.keys(item)[0], Object.values<any>(item)[0]._index, Object.values<any>(item)[0].status]),
      [['index', 'path-index', 201], ['create', 'other-index', 201], ['index', 'path-index', 201]]);
    assert.equal(body.items[2].index._id, 'own-7');
    for (const item of body.items) {
      const { _index, _id } = Object.values<any>(item)[0];
      await streamRecords(server.url, _index, `id:${_id}`, 1);
    }
  });

  it('answers a body that is not a bulk with a 400 in Elasticsearch\'s error shape, and bad documents per item', async () => {
    const notJson = await send(`${server.url}/_bulk`, 'POST', 'this is not a bulk body\n');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error.type, 'x_content_parse_exception');
    assert.equal(notJson.body.status, 400);
    const noDocument = await send(`${server.url}/_bulk`, 'POST', '{"index":{"_index":"x"}}\n');
    assert.equal(noDocument.status, 400);
    assert.match(noDocument.body.error.reason, /no document/);
    const empty = await send(`${server.url}/_bulk`, 'POST', '\n');
    assert.equal(empty.status, 400);
    const items = await send(`${server.url}/_bulk`, 'POST', ['{"index":{"_index":"docs"}}', '[1,2]', '{"index":{"_index":"docs"}}', '{"message":"broken', '{"update":{"_index":"docs","_id":"1"}}', '{"doc":{"a":1}}', '{"index":{"_index":"docs"}}', '{"message":"kept"}'].join('\n'));
    assert.equal(items.status, 200);
    assert.equal(items.body.errors, true);
    assert.deepEqual(items.body.items.map((item: any) => Object.values<any>(item)[0].status), [400, 400, 400, 201]);
    assert.equal(items.body.items[0].index.error.type, 'document_parsing_exception');
    await streamRecords(server.url, 'docs', '', 1);
    const single = await send(`${server.url}/docs/_doc`, 'POST', '[1, 2]', { 'content-type': 'application/json' });
    assert.deepEqual([single.status, single.body.error.type], [400, 'document_parsing_exception']);
    assert.equal((await getJson(`${server.url}/healthz`)).status, 200);
  });

  it('answers the probes shippers make before writing', async () => {
    const root = await send(`${server.url}/`, 'GET', undefined, { accept: 'application/json' });
    assert.equal(root.headers.get('x-elastic-product'), 'Elasticsearch');
    assert.equal(root.body.tagline, 'You Know, for Search');
    const page = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    assert.match(await page.text(), /<div id="app">/, 'a browser gets the explorer');
    assert.equal((await fetch(`${server.url}/`, { method: 'HEAD' })).status, 200);
    assert.equal((await send(`${server.url}/_license`, 'GET')).body.license.status, 'active');
    assert.equal((await send(`${server.url}/_cluster/health`, 'GET')).body.status, 'green');
    assert.equal((await send(`${server.url}/_nodes/http`, 'GET')).body._nodes.total, 1);
    assert.equal((await fetch(`${server.url}/_index_template/filebeat-8`, { method: 'HEAD' })).status, 200);
    for (const setup of ['/_index_template/filebeat-8', '/_ilm/policy/filebeat', '/_ingest/pipeline/geoip', '/_data_stream/logs-app-default']) {
      assert.deepEqual((await send(`${server.url}${setup}`, 'PUT', '{}', { 'content-type': 'application/json' })).body, { acknowledged: true }, setup);
    }
  });
});
