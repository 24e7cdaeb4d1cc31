'use strict';
// The dashboard's pages in the browser (doc/dashboard.md).  The page id is
// <body data-page>; the definitions come from /pages.json, each panel's rows
// from /api/<page>/<panel>.  Every chart is drawn with Apache ECharts, served
// from this server (nothing is fetched from elsewhere).
//
// window.cxmDashboard tells a test what happened: for each panel its state
// (ok, empty, error), rows and drawn data points; <body data-ready> is set
// when every panel has settled.

(function () {
	const nf = (d) => new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
	const formats = {
		money: (v) => nf(0).format(v),
		int: (v) => nf(0).format(v),
		pct: (v) => `${nf(1).format(100 * v)} %`,
		pct2: (v) => `${nf(2).format(100 * v)} %`,
		score: (v) => nf(1).format(v),
		dec1: (v) => nf(1).format(v),
		dec2: (v) => nf(2).format(v),
		dec3: (v) => nf(3).format(v),
		bar: (v) => nf(3).format(v),
		date: (v) => String(v).slice(0, 10),
		text: (v) => String(v),
	};
	// how a change between two periods is shown: relative for amounts, in points for rates
	const changeKind = { money: 'rel', int: 'rel', pct: 'pts100', pct2: 'pts100', score: 'pts', dec1: 'rel', dec2: 'rel', dec3: 'rel' };
	const fmt = (format, v) => (v === null || v === undefined ? '–' : (formats[format] || formats.text)(v));
	const upTo2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
	const axisFmt = (format) => (v) => (format === 'pct' || format === 'pct2' ? `${upTo2.format(100 * v)} %` : upTo2.format(v));
	const monthLabel = (v) => String(v).slice(0, 7);
	const state = { page: document.body.dataset.page, panels: [] };
	window.cxmDashboard = state;

	function el(tag, attrs, ...children) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (k === 'class') e.className = v;
			else if (k.startsWith('data-')) e.setAttribute(k, v);
			else e[k] = v;
		}
		for (const c of children) e.append(c);
		return e;
	}

	// rows as objects; a column the view does not have is undefined
	function records(data) {
		return data.rows.map((r) => Object.fromEntries(data.columns.map((c, i) => [c, r[i]])));
	}

	// optional series (a column a later version of the view adds) are left out
	// while the view lacks the column or has no value in it
	function present(data, recs, items) {
		return items.filter((s) => !s.optional || (data.columns.includes(s.column) && recs.some((r) => r[s.column] !== null)));
	}

	function chart(box, option, height) {
		const div = el('div', { class: 'chart' });
		div.style.height = `${height || 340}px`;
		box.append(div);
		const c = echarts.init(div, null, { renderer: 'canvas' });
		c.setOption(Object.assign({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' } }, option));
		window.addEventListener('resize', () => c.resize());
		return c;
	}

	const legend = { top: 0, type: 'scroll' };
	const grid = { left: 60, right: 60, top: 40, bottom: 30, containLabel: true };

	const draw = {
		kpis(box, data, spec) {
			const recs = records(data);
			const last = recs[recs.length - 1];
			const prev = recs.length > 1 ? recs[recs.length - 2] : null;
			box.append(el('div', { class: 'period', 'data-month': String(last[spec.period]).slice(0, 10) },
				`${monthLabel(last[spec.period])}, against ${prev ? monthLabel(prev[spec.period]) : 'nothing'}`));
			const cards = el('div', { class: 'cards' });
			let points = 0;
			for (const card of present(data, recs, spec.cards)) {
				const v = last[card.column];
				const p = prev ? prev[card.column] : null;
				let change = '';
				let good = true;
				if (v !== null && p !== null && p !== undefined) {
					const kind = changeKind[card.format] || 'rel';
					const d = kind === 'rel' ? (p === 0 ? null : 100 * (v / p - 1)) : (kind === 'pts100' ? 100 * (v - p) : v - p);
					if (d !== null) {
						const unit = kind === 'rel' ? ' %' : ' pts';
						change = `${d >= 0 ? '▲ +' : '▼ −'}${nf(card.format === 'pct2' ? 2 : 1).format(Math.abs(d))}${unit}`;
						// green when the change is for the better (churn: when it falls)
						good = d === 0 || (d > 0) === (card.better !== 'lower');
					}
				}
				cards.append(el('div', { class: 'kpi', 'data-kpi': card.id },
					el('div', { class: 'label' }, card.label),
					el('div', { class: 'value' }, fmt(card.format, v)),
					el('div', { class: `change ${good ? 'good' : 'bad'}`, 'data-change': card.id }, change)));
				if (v !== null) points++;
			}
			box.append(cards);
			return points;
		},

		timeseries(box, data, spec) {
			const recs = records(data);
			const series = present(data, recs, spec.series);
			const axes = [...new Set(series.map((s) => s.axis || 0))];
			chart(box, {
				legend, grid,
				tooltip: { trigger: 'axis', valueFormatter: undefined },
				xAxis: { type: 'category', data: recs.map((r) => monthLabel(r[spec.x])) },
				yAxis: [0, 1].filter((a) => a === 0 || axes.includes(1)).map((a) => {
					const s = series.find((x) => (x.axis || 0) === a);
					return { type: 'value', axisLabel: { formatter: axisFmt(s && s.format) }, splitLine: { show: a === 0 } };
				}),
				series: series.map((s) => ({
					name: s.label, type: s.kind, yAxisIndex: s.axis || 0, stack: spec.stack ? 'all' : undefined,
					itemStyle: s.color ? { color: s.color } : undefined, symbolSize: 6, z: s.kind === 'line' ? 3 : 2,
					data: recs.map((r) => r[s.column]),
					tooltip: { valueFormatter: (v) => fmt(s.format, v) },
				})),
			});
			return series.reduce((n, s) => n + recs.filter((r) => r[s.column] !== null).length, 0);
		},

		category(box, data, spec) {
			const recs = records(data);
			const series = present(data, recs, spec.series);
			const two = series.some((s) => s.axis === 1);
			chart(box, {
				legend, grid,
				tooltip: { trigger: 'axis' },
				xAxis: { type: 'category', data: recs.map((r) => r[spec.category]), axisLabel: { interval: 0 } },
				yAxis: (two ? [0, 1] : [0]).map((a) => ({ type: 'value', axisLabel: { formatter: axisFmt((series.find((s) => (s.axis || 0) === a) || {}).format) }, splitLine: { show: a === 0 } })),
				series: series.map((s) => ({
					name: s.label, type: s.kind, yAxisIndex: s.axis || 0, data: recs.map((r) => r[s.column]),
					label: { show: true, position: 'top', formatter: (p) => fmt(s.format, p.value), fontSize: 11 },
					tooltip: { valueFormatter: (v) => fmt(s.format, v) },
				})),
			});
			return series.length * recs.length;
		},

		interval(box, data, spec) {
			const recs = records(data);
			const x = recs.map((r) => monthLabel(r[spec.x]));
			chart(box, {
				legend, grid,
				tooltip: {
					trigger: 'axis',
					formatter: (ps) => {
						const r = recs[ps[0].dataIndex];
						return `${x[ps[0].dataIndex]}<br>${spec.label} ${fmt(spec.format, r[spec.y])}<br>95 % interval ${fmt(spec.format, r[spec.low])} to ${fmt(spec.format, r[spec.high])}`;
					},
				},
				xAxis: { type: 'category', data: x, boundaryGap: false },
				yAxis: { type: 'value', min: -100, max: 100 },
				series: [
					{ name: 'interval low', type: 'line', stack: 'ci', stackStrategy: 'all', data: recs.map((r) => r[spec.low]), lineStyle: { opacity: 0 }, symbol: 'none' },
					{ name: '95 % interval', type: 'line', stack: 'ci', stackStrategy: 'all', data: recs.map((r) => r[spec.high] - r[spec.low]), lineStyle: { opacity: 0 }, symbol: 'none', areaStyle: { color: 'rgba(84,112,198,0.18)' }, itemStyle: { color: 'rgba(84,112,198,0.35)' } },
					{ name: spec.label, type: 'line', data: recs.map((r) => r[spec.y]), symbolSize: 7, itemStyle: { color: '#2f4da0' }, lineStyle: { width: 3 },
						markLine: { silent: true, symbol: 'none', data: [{ yAxis: 0 }], lineStyle: { color: '#999' }, label: { show: false } } },
				],
			});
			return recs.filter((r) => r[spec.y] !== null).length;
		},

		funnel(box, data, spec) {
			const recs = records(data);
			chart(box, {
				tooltip: { formatter: (p) => { const r = recs[p.dataIndex]; return `${r[spec.name]}: ${fmt('int', r[spec.value])} profiles<br>${fmt('pct', r[spec.share])} of step 1, ${fmt('pct', r[spec.step_share])} of the step before`; } },
				series: [{
					type: 'funnel', sort: 'none', gap: 3, left: '10%', width: '80%', min: 0, max: recs.length ? recs[0][spec.value] : 0, minSize: '0%',
					label: { show: true, position: 'inside', fontSize: 14, formatter: (p) => { const r = recs[p.dataIndex]; return `${r[spec.name]}  ${fmt('int', r[spec.value])}  (${fmt('pct', r[spec.share])})`; } },
					data: recs.map((r) => ({ name: r[spec.name], value: r[spec.value] })),
				}],
			}, 380);
			return recs.length;
		},

		sankey(box, data, spec) {
			const recs = records(data);
			const total = recs.filter((r) => r[spec.step] === 1).reduce((n, r) => n + r[spec.value], 0);
			const kept = recs.filter((r) => r[spec.value] >= spec.min_share * total);
			const node = (step, name) => `${step}. ${name}`;
			const names = new Set();
			const links = kept.map((r) => {
				const s = node(r[spec.step], r[spec.source]);
				const t = node(r[spec.step] + 1, r[spec.target]);
				names.add(s); names.add(t);
				return { source: s, target: t, value: r[spec.value] };
			});
			const touchpoints = [...new Set([...names].map((n) => n.replace(/^\d+\. /, '')))].sort();
			const palette = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc', '#7f7f7f'];
			const color = (n) => (n === '(end)' ? '#bbbbbb' : palette[touchpoints.indexOf(n) % palette.length]);
			chart(box, {
				tooltip: { trigger: 'item', formatter: (p) => (p.dataType === 'edge' ? `step ${p.data.source.split('.')[0]}: ${p.data.source.replace(/^\d+\. /, '')} → ${p.data.target.replace(/^\d+\. /, '')}<br>${fmt('int', p.data.value)} profiles` : p.name) },
				series: [{
					type: 'sankey', left: 10, right: 110, top: 20, bottom: 20, nodeAlign: 'left', nodeGap: 12, layoutIterations: 64,
					emphasis: { focus: 'adjacency' }, lineStyle: { color: 'gradient', opacity: 0.35, curveness: 0.5 },
					label: { formatter: (p) => p.name.replace(/^\d+\. /, ''), fontSize: 12 },
					data: [...names].map((n) => ({ name: n, itemStyle: { color: color(n.replace(/^\d+\. /, '')) } })),
					links,
				}],
			}, 560);
			return links.length;
		},

		grouped(box, data, spec) {
			const recs = records(data);
			const cats = [...new Set(recs.map((r) => r[spec.category]))];
			const val = (c, g) => { const r = recs.find((x) => x[spec.category] === c && x[spec.group] === g); return r ? r[spec.value] : null; };
			// channels with the most credit (summed over the models) first
			cats.sort((a, b) => spec.groups.reduce((n, g) => n + (val(b, g) || 0) - (val(a, g) || 0), 0));
			chart(box, {
				legend, grid,
				tooltip: { trigger: 'axis', valueFormatter: (v) => fmt(spec.format, v) },
				xAxis: { type: 'category', data: cats },
				yAxis: { type: 'value', axisLabel: { formatter: axisFmt(spec.format) } },
				series: spec.groups.map((g) => ({ name: g, type: 'bar', data: cats.map((c) => val(c, g)) })),
			});
			return recs.length;
		},

		heatmap(box, data, spec) {
			const recs = records(data);
			const ys = [...new Set(recs.map((r) => r[spec.y]))];
			const size = Object.fromEntries(recs.map((r) => [r[spec.y], r[spec.size]]));
			const maxX = Math.max(...recs.map((r) => r[spec.x]));
			const xs = Array.from({ length: maxX }, (_, i) => i + 1);
			const cells = recs.map((r) => [r[spec.x] - 1, ys.indexOf(r[spec.y]), Math.round(1000 * r[spec.value]) / 10]);
			chart(box, {
				tooltip: { formatter: (p) => `cohort ${monthLabel(ys[p.value[1]])} (${fmt('int', size[ys[p.value[1]]])} buyers)<br>month +${p.value[0] + 1}: ${nf(1).format(p.value[2])} %` },
				grid: { left: 20, right: 110, top: 10, bottom: 40, containLabel: true },
				xAxis: { type: 'category', data: xs.map((m) => `+${m}`), name: 'months after the first purchase', nameLocation: 'middle', nameGap: 28, splitArea: { show: true } },
				yAxis: { type: 'category', inverse: true, data: ys.map((y) => `${monthLabel(y)}  (n=${size[y]})`), splitArea: { show: true } },
				visualMap: { min: 0, max: Math.max(...cells.map((c) => c[2])), calculable: true, orient: 'vertical', right: 0, top: 'middle', itemHeight: 220, text: ['% buying again', ''], inRange: { color: ['#f7fbff', '#6baed6', '#08306b'] } },
				series: [{ type: 'heatmap', data: cells, label: { show: true, fontSize: 10, formatter: (p) => nf(0).format(p.value[2]) } }],
			}, 60 + 28 * ys.length);
			return cells.length;
		},

		experiments(box, data, spec) {
			const recs = records(data);
			const wrap = el('div', { class: 'arms-grid' });
			box.append(wrap);
			const names = [...new Set(recs.map((r) => r[spec.experiment]))];
			let points = 0;
			for (const name of names) {
				const arms = recs.filter((r) => r[spec.experiment] === name);
				const card = el('div', { class: 'experiment', 'data-experiment': name });
				card.append(el('h3', {}, `${name}`, el('span', { class: 'policy' }, ` ${arms[0][spec.policy]}`)));
				wrap.append(card);
				const labels = arms.map((a) => (a[spec.active] ? a[spec.arm] : `${a[spec.arm]} (paused)`));
				const best = Math.max(...arms.map((a) => a[spec.p_best] || 0));
				chart(card, {
					grid: { left: 10, right: 20, top: 20, bottom: 10, containLabel: true },
					tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: (ps) => { const a = arms[ps[0].dataIndex]; return `${labels[ps[0].dataIndex]}: ${fmt('pct2', a[spec.mean])}<br>95 % interval ${fmt('pct2', a[spec.low])} to ${fmt('pct2', a[spec.high])}<br>${fmt('int', a[spec.trials])} trials, P(best) ${fmt('dec3', a[spec.p_best])}`; } },
					xAxis: { type: 'category', data: labels, axisLabel: { interval: 0 } },
					yAxis: { type: 'value', min: 0, axisLabel: { formatter: (v) => `${nf(1).format(100 * v)} %` } },
					series: [
						{ type: 'bar', barWidth: '45%', data: arms.map((a) => ({ value: a[spec.mean], itemStyle: { color: a[spec.p_best] === best && best > 0 ? '#3ba272' : (a[spec.active] ? '#5470c6' : '#bbbbbb') } })) },
						{
							type: 'custom', name: '95 % interval', z: 10, encode: { x: 0, y: [1, 2] },
							data: arms.map((a, i) => [i, a[spec.low], a[spec.high]]),
							renderItem: (params, api) => {
								const lo = api.coord([api.value(0), api.value(1)]);
								const hi = api.coord([api.value(0), api.value(2)]);
								const w = api.size([1, 0])[0] * 0.12;
								const style = { stroke: '#222', lineWidth: 1.5 };
								return { type: 'group', children: [
									{ type: 'line', shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style },
									{ type: 'line', shape: { x1: lo[0] - w, y1: lo[1], x2: lo[0] + w, y2: lo[1] }, style },
									{ type: 'line', shape: { x1: hi[0] - w, y1: hi[1], x2: hi[0] + w, y2: hi[1] }, style },
								] };
							},
						},
					],
				}, 230);
				points += arms.length;
				card.append(table([
					{ column: spec.arm, label: 'arm' }, { column: spec.trials, label: 'trials', format: 'int' },
					{ column: spec.mean, label: 'rate', format: 'pct2' }, { column: spec.p_best, label: 'P(best)', format: 'dec3' },
					{ column: spec.lift, label: 'lift vs control', format: 'pct' },
				], arms));
			}
			return points;
		},

		table(box, data, spec) {
			const recs = records(data);
			box.append(table(spec.columns, recs));
			return recs.length;
		},
	};

	function table(columns, recs) {
		const t = el('table', { class: 'grid' });
		t.append(el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', { class: c.format ? 'num' : '' }, c.label)))));
		const body = el('tbody');
		for (const r of recs) {
			body.append(el('tr', {}, ...columns.map((c) => {
				const v = r[c.column];
				const td = el('td', { class: c.format && c.format !== 'date' ? 'num' : '' }, fmt(c.format, v));
				if (c.format === 'bar' && v !== null) td.style.background = `linear-gradient(90deg, rgba(84,112,198,0.25) ${65 * v}%, transparent ${65 * v}%)`;
				return td;
			})));
		}
		t.append(body);
		return t;
	}

	async function panel(page, panelDef, no, box) {
		const st = { title: panelDef.title, chart: panelDef.chart.type, state: 'loading', rows: 0, points: 0, error: null };
		state.panels.push(st);
		try {
			const res = await fetch(`/api/${page.id}/${no}`);
			const data = await res.json();
			if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
			st.rows = data.rows.length;
			st.points = data.rows.length ? draw[panelDef.chart.type](box, data, panelDef.chart) : 0;
			st.state = st.points > 0 ? 'ok' : 'empty';
			if (st.state === 'empty') box.append(el('div', { class: 'empty' }, `cxm.${page.view} returned nothing to draw`));
		} catch (e) {
			st.state = 'error';
			st.error = e.message;
			box.append(el('div', { class: 'error' }, `query failed: ${e.message}`));
			console.error(`panel "${panelDef.title}": ${e.message}`);
		}
		box.dataset.state = st.state;
	}

	async function main() {
		const pages = (await (await fetch('/pages.json')).json()).pages;
		const page = pages.find((p) => p.id === state.page);
		document.title = `${page.title} · cxm`;
		const nav = document.getElementById('nav');
		for (const p of pages) nav.append(el('a', { href: `/${p.id}.html`, class: p.id === page.id ? 'here' : '' }, p.title));
		document.getElementById('title').textContent = page.title;
		document.getElementById('source').textContent = `cxm.${page.view}`;
		const main = document.getElementById('panels');
		const jobs = page.panels.map((def, no) => {
			const box = el('section', { class: `panel ${def.chart.type}`, 'data-panel': String(no) }, el('h2', {}, def.title));
			main.append(box);
			const sql = el('details', { class: 'sql' }, el('summary', {}, 'SQL'), el('pre', {}, def.query || page.query));
			return panel(page, def, no, box).then(() => box.append(sql));
		});
		await Promise.all(jobs);
		document.body.dataset.ready = 'true';
	}

	main().catch((e) => { console.error(e.message); document.body.dataset.ready = 'true'; });
}());
