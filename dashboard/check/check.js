'use strict';
// make check-dashboard, the browser part (doc/dashboard.md): opens every page of
// a running dashboard in headless Chromium and
//   - fails on a query error, an empty panel, a console error, a page error, a
//     failed request or any request that leaves the dashboard's own server;
//   - compares the figures the KPI page shows (latest month, and the change of
//     NPS against the month before) with check/kpi.sql, which recomputes them
//     from the canonical views without kpi_monthly;
//   - saves a full-page screenshot of each page.
//
//   node check/check.js URL OUTDIR     (PG* variables reach the database, as
//                                       the dashboard's read-only role)
// Prints "ok - ..." / "not ok - ..." lines and "N passed, N failed".

const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');
const { Client, types } = require('pg');
const { loadPages } = require('../pages');

types.setTypeParser(20, Number);
types.setTypeParser(1700, Number);
types.setTypeParser(1082, (v) => v);

const [base, outDir] = process.argv.slice(2);
let passed = 0;
let failed = 0;
function report(ok, what, detail) {
	if (ok) passed++; else failed++;
	console.log(`${ok ? 'ok' : 'not ok'} - ${what}${!ok && detail ? `\n    ${detail}` : ''}`);
}

// the number a card shows: "12,091", "18.9 %", "−36.0"; null for "–"
function shown(text) {
	const t = text.replace(/[▲▼+ %pts]/g, '').replace(/[−-]/, '-').replace(/,/g, '').trim();
	if (t === '' || t === '–') return null;
	const decimals = (t.split('.')[1] || '').length;
	return { value: Number(t), decimals };
}
// equal to the precision shown: |shown - exact| <= half a unit of the last digit
function agrees(s, exact) {
	if (s === null || exact === null) return s === null && exact === null;
	return Math.abs(s.value - exact) <= 0.5 * 10 ** -s.decimals + 1e-9;
}
// display scale of each card (pages.json format): rates are shown in percent
const scale = { pct: 100, pct2: 100 };

async function checkKpis(page, pageDef, db) {
	const cardsSpec = pageDef.panels.find((p) => p.chart.type === 'kpis').chart.cards;
	const cards = await page.evaluate(() => ({
		month: document.querySelector('.period').dataset.month,
		cards: Object.fromEntries([...document.querySelectorAll('.kpi')].map((k) => [k.dataset.kpi,
			{ value: k.querySelector('.value').textContent, change: k.querySelector('.change').textContent }])),
	}));
	const sql = fs.readFileSync(path.join(__dirname, 'kpi.sql'), 'utf8');
	const rows = (await db.query(sql)).rows;
	const last = rows[rows.length - 1];
	const prev = rows[rows.length - 2];
	report(cards.month === last.month, `overview: the KPI cards show the latest month (${last.month})`, `page shows ${cards.month}`);
	let compared = 0;
	for (const spec of cardsSpec) {
		if (!(spec.column in last)) continue;   // a card kpi.sql does not recompute (optional columns)
		const card = cards.cards[spec.id];
		if (!card) { report(false, `overview: card ${spec.id} is shown`); continue; }
		const exact = last[spec.column] === null ? null : last[spec.column] * (scale[spec.format] || 1);
		const s = shown(card.value);
		report(agrees(s, exact), `overview: ${spec.label} shown ${card.value.trim()} = ${exact} from the canonical views`,
			`shown ${card.value}, computed ${exact}`);
		compared++;
	}
	// the change of NPS against the month before, in points
	const s = shown(cards.cards.nps.change);   // the arrow carries the sign
	if (s) s.value = Math.abs(s.value);
	const exact = last.nps - prev.nps;
	report(agrees(s, Math.abs(exact)) && (exact >= 0) === cards.cards.nps.change.includes('▲'),
		`overview: NPS change shown "${cards.cards.nps.change}" = ${exact} points`, `computed ${exact}`);
	report(compared >= 8, `overview: ${compared} KPI cards compared with SQL`);
	// the revenue chart: every month's bar against the recomputed revenue
	const bars = await page.evaluate(() => {
		const div = [...document.querySelectorAll('.panel')].find((p) => /^Revenue/.test(p.querySelector('h2').textContent)).querySelector('.chart');
		const o = echarts.getInstanceByDom(div).getOption();
		return { months: o.xAxis[0].data, revenue: o.series.find((x) => x.name === 'revenue').data };
	});
	const byMonth = Object.fromEntries(rows.map((r) => [r.month.slice(0, 7), r.revenue]));
	const wrong = bars.months.filter((m, i) => Math.abs((bars.revenue[i] || 0) - (byMonth[m] || 0)) > 0.005);
	report(bars.months.length === rows.length && wrong.length === 0,
		`overview: revenue chart, ${bars.months.length} months, equals the recomputed revenue per month`, `differs in ${wrong.join(', ')}`);
}

async function main() {
	fs.mkdirSync(outDir, { recursive: true });
	const pages = loadPages();
	const origin = new URL(base).origin;
	const db = new Client({ options: '-c jit=off -c TimeZone=' + (process.env.DASHBOARD_TZ || 'UTC') });
	await db.connect();
	const browser = await puppeteer.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--hide-scrollbars'],
	});
	try {
		for (const def of pages) {
			const page = await browser.newPage();
			await page.setViewport({ width: 1280, height: 900 });
			const problems = [];
			page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
			page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
			page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
			page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
			await page.setRequestInterception(true);
			page.on('request', (r) => {
				if (r.url().startsWith(origin + '/')) return r.continue();
				problems.push(`request outside the dashboard: ${r.url()}`);
				return r.abort();
			});
			const t0 = Date.now();
			await page.goto(`${base}${def.id}.html`, { waitUntil: 'load' });
			await page.waitForSelector('body[data-ready="true"]', { timeout: 180000 });
			const ms = Date.now() - t0;
			const panels = await page.evaluate(() => window.cxmDashboard.panels);
			await page.screenshot({ path: path.join(outDir, `${def.id}.png`), fullPage: true });
			for (const p of panels) {
				report(p.state === 'ok', `${def.id}: "${p.title}" drew ${p.points} points from ${p.rows} rows`,
					p.error ? `query error: ${p.error}` : `state ${p.state}`);
			}
			report(panels.length === def.panels.length && problems.length === 0,
				`${def.id}: ${panels.length} panels in ${ms} ms, no console error, no failed or outside request`, problems.join('\n    '));
			if (def.id === 'overview') await checkKpis(page, def, db);
			await page.close();
		}
	} finally {
		await browser.close();
		await db.end();
	}
	console.log(`screenshots in ${outDir}`);
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); console.log(`${passed} passed, ${failed + 1} failed`); process.exit(1); });
