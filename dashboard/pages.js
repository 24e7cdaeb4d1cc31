'use strict';
// Reads pages.json (the page definitions) and gives each panel its SQL: the
// panel's own query, else the page's.  Refuses a definition that breaks the
// rule of doc/dashboard.md: a query is a plain read of its page's view (one
// FROM, naming the view; no WITH, no JOIN).

const fs = require('fs');
const path = require('path');

function loadPages(file = path.join(__dirname, 'pages.json')) {
	const pages = JSON.parse(fs.readFileSync(file, 'utf8')).pages;
	const ids = new Set();
	for (const page of pages) {
		if (!/^[a-z0-9_]+$/.test(page.id) || ids.has(page.id)) throw new Error(`bad or repeated page id: ${page.id}`);
		ids.add(page.id);
		page.panels.forEach((panel, i) => {
			panel.sql = panel.query || page.query;
			const where = `${page.id}/${i}`;
			if (!panel.sql) throw new Error(`${where}: no query`);
			if (/\bwith\b/i.test(panel.sql)) throw new Error(`${where}: WITH is not allowed, read the view`);
			const froms = panel.sql.match(/\bfrom\b/gi) || [];
			const only = new RegExp(`\\bfrom\\s+cxm\\.${page.view}\\b(?!\\s*,)`, 'i');
			if (froms.length !== 1 || /\bjoin\b/i.test(panel.sql) || !only.test(panel.sql)) {
				throw new Error(`${where}: the query must read cxm.${page.view} and nothing else`);
			}
		});
	}
	return pages;
}

module.exports = { loadPages };
