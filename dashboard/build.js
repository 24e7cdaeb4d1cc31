'use strict';
// Builds the served output in build/: one HTML page per entry of pages.json,
// the page script and style, the page definitions, and ECharts copied from
// node_modules (the pages load nothing from elsewhere).
const fs = require('fs');
const path = require('path');
const { loadPages } = require('./pages');

const here = __dirname;
const out = path.join(here, 'build');
const pages = loadPages();   // refuses a definition that breaks the rules
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(path.join(out, 'vendor'), { recursive: true });
const template = fs.readFileSync(path.join(here, 'static', 'page.html'), 'utf8');
for (const page of pages) fs.writeFileSync(path.join(out, `${page.id}.html`), template.replace('@PAGE@', page.id));
for (const f of ['app.js', 'style.css']) fs.copyFileSync(path.join(here, 'static', f), path.join(out, f));
fs.copyFileSync(path.join(here, 'pages.json'), path.join(out, 'pages.json'));
fs.copyFileSync(require.resolve('echarts/dist/echarts.min.js'), path.join(out, 'vendor', 'echarts.min.js'));
console.log(`built ${pages.length} pages in ${path.relative(process.cwd(), out) || out}`);
