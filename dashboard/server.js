'use strict';
// The dashboard's server (doc/dashboard.md): serves the built pages from
// build/ and runs each panel's query of pages.json against the database, as
// the read-only role, on every request (the views are live; nothing is cached).
//
//   node server.js           PGHOST, PGPORT, PGDATABASE, PGUSER as for psql;
//                            DASHBOARD_PORT (default 8018), DASHBOARD_TZ
//                            (default UTC: months are calendar months there)
//
// GET /                      -> the first page
// GET /<page>.html, /app.js, /style.css, /vendor/echarts.min.js, /pages.json
// GET /api/<page>/<panel>    -> {"columns": [...], "rows": [[...], ...]} or
//                               HTTP 500 {"error": "...", "sqlstate": "..."}
// GET /healthz               -> "ok" when the database answers

const http = require('http');
const fs = require('fs');
const path = require('path');
const { Pool, types } = require('pg');
const { loadPages } = require('./pages');

// numbers as numbers, dates and times as the text PostgreSQL prints
types.setTypeParser(20, Number);      // bigint (counts)
types.setTypeParser(1700, Number);    // numeric (amounts)
types.setTypeParser(1082, (v) => v);  // date
types.setTypeParser(1114, (v) => v);  // timestamp
types.setTypeParser(1184, (v) => v);  // timestamptz

const root = path.join(__dirname, 'build');
const pages = loadPages();
const tz = process.env.DASHBOARD_TZ || 'UTC';
const pool = new Pool({
	max: 4,
	// a BI connection's own settings: read only, no JIT (doc/layer.md), a time zone
	options: `-c default_transaction_read_only=on -c jit=off -c TimeZone=${tz} -c statement_timeout=120s`,
	application_name: 'cxm-dashboard',
});
pool.on('error', (e) => console.error('idle connection failed:', e.message));

const mime = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8' };

function send(res, status, type, body) {
	res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
	res.end(body);
}

// the panels of a page that share the page's query ask for it together: a
// request for a query that is still running waits for that run
const running = new Map();
function runQuery(sql) {
	if (!running.has(sql)) {
		running.set(sql, pool.query({ text: sql, rowMode: 'array' }).finally(() => running.delete(sql)));
	}
	return running.get(sql);
}

async function api(res, pageId, panelNo) {
	const page = pages.find((p) => p.id === pageId);
	const panel = page && page.panels[panelNo];
	if (!panel) return send(res, 404, mime['.json'], JSON.stringify({ error: 'no such panel' }));
	try {
		const r = await runQuery(panel.sql);
		send(res, 200, mime['.json'], JSON.stringify({ columns: r.fields.map((f) => f.name), rows: r.rows }));
	} catch (e) {
		console.error(`${pageId}/${panelNo}: ${e.message}`);
		send(res, 500, mime['.json'], JSON.stringify({ error: e.message, sqlstate: e.code || null }));
	}
}

const server = http.createServer((req, res) => {
	const url = new URL(req.url, 'http://localhost');
	let m;
	if (req.method !== 'GET') return send(res, 405, 'text/plain', 'GET only\n');
	if ((m = url.pathname.match(/^\/api\/([a-z0-9_]+)\/([0-9]+)$/))) return api(res, m[1], Number(m[2]));
	if (url.pathname === '/healthz') {
		return pool.query('SELECT 1').then(() => send(res, 200, 'text/plain', 'ok\n'),
			(e) => send(res, 503, 'text/plain', `${e.message}\n`));
	}
	const rel = url.pathname === '/' ? `${pages[0].id}.html` : url.pathname.slice(1);
	const file = path.join(root, path.normalize(rel));
	if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
		return send(res, 404, 'text/plain', 'not found\n');
	}
	send(res, 200, mime[path.extname(file)] || 'application/octet-stream', fs.readFileSync(file));
});

const port = Number(process.env.DASHBOARD_PORT || 8018);
server.listen(port, '127.0.0.1', () => console.log(`cxm dashboard on http://localhost:${port}/`));
for (const sig of ['SIGTERM', 'SIGINT']) {
	process.on(sig, () => server.close(() => pool.end().then(() => process.exit(0))));
}
