/** The console's one page; its script (/app.js) is bundled from web/console-page.ts at start-up. */
export const CONSOLE_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>leadscore console</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #1d232b; }
nav button { margin-right: .5rem; }
table { border-collapse: collapse; margin: .75rem 0; }
th, td { border: 1px solid #c9d1db; padding: .25rem .4rem; vertical-align: top; }
th { background: #eef2f6; }
td input { width: 7rem; border: 0; font: inherit; background: transparent; }
td.invalid { background: #fde2e2; }
.issue { color: #a31515; font-size: 12px; }
pre { background: #f5f7f9; padding: .75rem; overflow: auto; max-height: 30rem; }
.hidden { display: none; }
</style>
</head>
<body>
<h1>leadscore console</h1>
<form id="signin"><label>API key <input id="key" type="password" autocomplete="off"></label> <button>Sign in</button> <span id="who"></span></form>
<nav class="hidden" id="nav">
<button data-page="grid">Grid</button><button data-page="test">Test before publishing</button><button data-page="publish">Publish</button><button data-page="feed">Live feed</button><button data-page="leaderboard">Leaderboard</button>
</nav>
<p id="status" role="status"></p>
<section id="page-grid" class="hidden"></section>
<section id="page-test" class="hidden"></section>
<section id="page-publish" class="hidden"></section>
<section id="page-leaderboard" class="hidden"></section>
<section id="page-contact" class="hidden"></section>
<section id="page-feed" class="hidden"><h2>Live feed</h2><p id="feed-state">not connected</p><table id="feed"><tr><th>When</th><th>Contact</th><th>What</th><th>Score</th></tr></table></section>
<script type="module" src="/app.js"></script>
</body>
</html>
`;
