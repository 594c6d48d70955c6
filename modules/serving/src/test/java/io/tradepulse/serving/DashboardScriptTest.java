package io.tradepulse.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's script, run by Node.js against a fake page: an object per element id, a select that behaves as a
 * browser's does (new options select the first; a value no option has selects none), and a fetch that answers from
 * canned series and records what was asked. There is no browser on the build machines; Node.js is on them (the
 * test is skipped where it is not).
 */
class DashboardScriptTest {
    @TempDir
    Path tmp;

    /** The page's elements, faked for the script: what both harnesses share. */
    private static final String FAKE_PAGE = """
            const vm = require('vm');
            const fs = require('fs');
            const decode = s => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
            const element = () => ({innerHTML: '', textContent: '', value: '', addEventListener() {}});
            function select() {
              const sel = {options: [], selectedIndex: -1, addEventListener() {}};
              Object.defineProperty(sel, 'innerHTML', {set(html) {
                sel.options = [...html.matchAll(/<option value="([^"]*)"/g)].map(m => decode(m[1]));
                sel.selectedIndex = sel.options.length ? 0 : -1;
              }});
              Object.defineProperty(sel, 'value', {
                get() { return sel.selectedIndex < 0 ? '' : sel.options[sel.selectedIndex]; },
                set(v) { sel.selectedIndex = sel.options.indexOf(String(v)); },
              });
              return sel;
            }
            // The page as a reverse proxy serves it under a path prefix (docs/operations.md, "Paging"): what it asks
            // for is recorded relative to the page's URL, and a request that leaves the prefix as the absolute URL.
            const BASE = 'http://proxy.example/tradepulse/';
            // The page's own URL (the harness' third argument: how the user typed it, BASE by default), which the script
            // may change in place as a browser's history.replaceState does; requests resolve against it.
            let pageUrl = process.argv[3] || BASE;
            const location = {get pathname() { return new URL(pageUrl).pathname; }, get search() { return new URL(pageUrl).search; },
              get hash() { return new URL(pageUrl).hash; }};
            const history = {replaceState(state, title, url) { pageUrl = new URL(url, pageUrl).href; }};
            const resolve = url => { const href = new URL(url, pageUrl).href; return href.startsWith(BASE) ? href.slice(BASE.length) : href; };
            const elements = {series: select()};
            const byId = id => elements[id] || (elements[id] = element());
            // The subtitle, where the page shows a failure: its text is what its markup shows, as in a browser.
            const textElement = () => { let text = ''; return {addEventListener() {}, get textContent() { return text; },
              set textContent(v) { text = String(v); }, get innerHTML() { return text; },
              set innerHTML(html) { text = decode(String(html).replace(/<[^>]*>/g, '')); }}; };
            const tbody = element(), sub = textElement();
            """;

    private static final String HARNESS = FAKE_PAGE + """
            const state = {series: [], changes: [], signals: [], truncated: [],
              health: {ok: true, body: {status: 'UP', processor: 'RUNNING', viewCaughtUp: true}}};
            let requests = [];
            const context = vm.createContext({
              URLSearchParams, console, setTimeout, setInterval: () => 0, location, history,
              document: {getElementById: byId, querySelector: q => q === '.sub' ? sub : q === '#table tbody' ? tbody : element()},
              fetch: async asked => {
                const url = resolve(asked);
                requests.push(url);
                if (url.startsWith('health/')) {
                  const h = state.health;
                  return {ok: h.ok, status: h.ok ? 200 : 503, headers: {get: () => null}, json: async () => h.body};
                }
                const body = url.startsWith('api/series') ? state.series : url.startsWith('api/changes') ? state.changes
                  : url.startsWith('api/signals') ? state.signals : [];
                // X-Truncated on the answers to the URLs that start with one of state.truncated (the limit cut them)
                const truncated = state.truncated.some(prefix => url.startsWith(prefix));
                return {ok: true, status: 200, headers: {get: name => name === 'X-Truncated' && truncated ? 'true' : null},
                  json: async () => body};
              },
            });
            const series = (reporter, partner) => ({reporter, partner, flow: 'EXPORT', commodity: 'TOTAL', months: 2, latestPeriod: '2025-05'});
            const api = () => { const asked = requests.filter(u => !u.startsWith('health/')); requests = []; return asked; };
            const page = () => ({selected: byId('series').value, requests: api(), table: tbody.innerHTML,
              chart: byId('chart').innerHTML, signals: byId('signals').innerHTML, more: byId('more').textContent, error: sub.textContent});
            (async () => {
              const html = fs.readFileSync(process.argv[2], 'utf8');
              const out = {};
              state.series = [series('CHN', 'USA'), series('USA', 'CHN')];
              vm.runInContext(html.slice(html.indexOf('<script>') + '<script>'.length, html.indexOf('</script>')), context);
              await new Promise(done => setTimeout(done, 100));
              out.initial = page();

              byId('series').value = 'USA/CHN/EXPORT/TOTAL'; // the user picks the second series, then filters it out
              byId('f-reporter').value = 'CHN';
              state.series = [series('CHN', 'USA')];
              await vm.runInContext('loadSeries()', context);
              out.selectedFilteredOut = page();

              tbody.innerHTML = byId('chart').innerHTML = byId('signals').innerHTML = 'stale';
              byId('f-reporter').value = 'XXX';
              state.series = [];
              await vm.runInContext('loadSeries()', context);
              out.noneMatch = page();

              const status = async body => {
                state.health = {ok: body.status === 'UP', body};
                await vm.runInContext('status()', context);
                return byId('status').textContent;
              };
              // A Comext series: its values are in EUR (a source's currency is kept, never converted).
              byId('f-reporter').value = 'DEU';
              state.series = [series('DEU', 'USA')];
              state.changes = [{year: 2025, month: 1, months: 1, value: 2.5e9, currency: 'EUR', vintage: 'v', source: 'COMEXT'}];
              await vm.runInContext('loadSeries()', context);
              out.euro = {unit: byId('unit').textContent, chart: byId('chart').innerHTML};
              state.changes = [];

              requests = [];
              await vm.runInContext('status()', context);
              out.healthRequests = [...requests];
              out.status = {
                ready: await status({status: 'UP', processor: 'RUNNING', viewCaughtUp: true}),
                catchingUp: await status({status: 'DOWN', processor: 'RUNNING', viewCaughtUp: false}),
                viewFailed: await status({status: 'DOWN', processor: 'RUNNING', viewCaughtUp: true,
                  viewFailure: 'cannot read trade.changes-0@17: <registry> unavailable'}),
                rebalancing: await status({status: 'DOWN', processor: 'REBALANCING', viewCaughtUp: true}),
                viewUnreadable: await status({status: 'DOWN', processor: 'RUNNING', viewCaughtUp: true,
                  viewReadFailure: 'java.lang.IllegalStateException: results view database: IO error'}),
              };

              // A series with more rows and signals than the API's limit: each answer is cut, with X-Truncated.
              const notes = () => ({rows: byId('rows-more').textContent, signals: byId('signals-more').textContent,
                more: byId('more').textContent, table: tbody.innerHTML, signalList: byId('signals').innerHTML});
              state.changes = [{year: 2025, month: 1, months: 1, value: 1e9, vintage: 'v', source: 'S'},
                {year: 2025, month: 2, months: 1, value: 2e9, vintage: 'v', source: 'S'}];
              state.signals = [{type: 'YOY_MOVE', status: 'ACTIVE', year: 2025, month: 2, months: 1, summary: 'up'}];
              state.truncated = ['api/changes', 'api/signals'];
              await vm.runInContext('loadSeries()', context);
              out.truncated = notes();
              state.truncated = ['api/signals'];
              await vm.runInContext('loadSeries()', context);
              out.signalsTruncated = notes();
              state.truncated = [];
              await vm.runInContext('loadSeries()', context);
              out.complete = notes();
              state.truncated = ['api/changes', 'api/signals'];
              await vm.runInContext('loadSeries()', context);
              byId('f-reporter').value = 'XXX';
              state.series = [];
              await vm.runInContext('loadSeries()', context);
              out.truncatedThenNoneMatch = notes();
              console.log(JSON.stringify(out));
            })().catch(e => { console.error(e); process.exit(1); });
            """;

    /**
     * The same fake page, with a fetch that answers each series' rows after a delay set per URL prefix: the answers
     * of two loads can arrive out of order, as they do from a busy server (503 and Retry-After) or a slow network.
     */
    private static final String RACE_HARNESS = FAKE_PAGE + """
            const state = {series: [], delays: {}};
            const sleep = ms => new Promise(done => setTimeout(done, ms));
            const context = vm.createContext({
              URLSearchParams, console, setTimeout, setInterval: () => 0, location, history,
              document: {getElementById: byId, querySelector: q => q === '.sub' ? sub : q === '#table tbody' ? tbody : element()},
              fetch: async asked => {
                const url = resolve(asked);
                const delay = Object.entries(state.delays).find(([prefix]) => url.startsWith(prefix));
                const reporter = new URLSearchParams(url.slice(url.indexOf('?') + 1)).get('reporter');
                const body = url.startsWith('api/series') ? state.series
                  : url.startsWith('api/changes') ? [{year: 2025, month: 1, months: 1, value: 1e9, vintage: 'rows of ' + reporter, source: 'S'}]
                  : url.startsWith('api/signals') ? [{type: 'YOY_MOVE', status: 'ACTIVE', year: 2025, month: 1, months: 2, summary: 'signal of ' + reporter}]
                  : {processor: 'RUNNING'};
                await sleep(delay ? delay[1] : 0); // answered as the server was when asked
                return {ok: true, status: 200, headers: {get: () => null}, json: async () => body};
              },
            });
            const series = (reporter, partner) => ({reporter, partner, flow: 'EXPORT', commodity: 'TOTAL', months: 1, latestPeriod: '2025-01'});
            // Polls until cond() holds: the answers above come on timers, so a fixed sleep may end before they did.
            const until = async (what, cond) => {
              const end = Date.now() + 20000;
              while (!cond()) {
                if (Date.now() > end) throw new Error('not within 20 s: ' + what);
                await sleep(10);
              }
            };
            (async () => {
              const html = fs.readFileSync(process.argv[2], 'utf8');
              state.series = [series('CHN', 'USA'), series('USA', 'CHN')];
              vm.runInContext(html.slice(html.indexOf('<script>') + '<script>'.length, html.indexOf('</script>')), context);
              await until('the first series shown', () => tbody.innerHTML.includes('rows of CHN')
                && byId('signals').innerHTML.includes('signal of CHN'));

              // The 5-second refresh starts loading CHN -> USA (slow to answer); the user then picks USA -> CHN.
              state.delays = {'api/changes?reporter=CHN': 300, 'api/signals?reporter=CHN': 300};
              const refresh = vm.runInContext('loadSeriesData()', context);
              byId('series').value = 'USA/CHN/EXPORT/TOTAL';
              const picked = vm.runInContext('loadSeriesData()', context);
              await Promise.all([refresh, picked]);
              const out = {selected: byId('series').value, table: tbody.innerHTML, signals: byId('signals').innerHTML};

              // A filter typed while a slower refresh of the unfiltered list is on its way: the newer list stays.
              state.delays = {'api/series?limit=1000&': 0, 'api/series': 300};
              const all = vm.runInContext('loadSeries()', context);
              byId('f-reporter').value = 'USA';
              const before = state.series;
              state.series = [series('USA', 'CHN')];
              const filtered = vm.runInContext('loadSeries()', context);
              await Promise.all([all, filtered]);
              state.series = before;
              out.optionsAfterFilter = byId('series').options;
              out.tableAfterFilter = tbody.innerHTML;
              console.log(JSON.stringify(out));
            })().catch(e => { console.error(e); process.exit(1); });
            """;

    /**
     * The same fake page, with a fetch that answers 500 to the URLs that start with one of {@code state.failing}, and
     * the series select's change listener kept, so that the harness can pick a series as a user does.
     */
    private static final String FAILURE_HARNESS = FAKE_PAGE + """
            const state = {series: [], failing: []};
            // A failure the page leaves to no one (its change listener's rejected promise): recorded, not fatal.
            const unhandled = [];
            process.on('unhandledRejection', e => unhandled.push(String(e)));
            let onChange = null;
            byId('series').addEventListener = (type, listener) => { if (type === 'change') onChange = listener; };
            // The page's 5-second refresh, kept so that the harness runs it as the browser's timer does.
            let refresh = null;
            const context = vm.createContext({
              URLSearchParams, console, setTimeout, location, history,
              setInterval: callback => { refresh = callback; return 0; },
              document: {getElementById: byId, querySelector: q => q === '.sub' ? sub : q === '#table tbody' ? tbody : element()},
              fetch: async asked => {
                const url = resolve(asked);
                if (state.failing.some(prefix => url.startsWith(prefix))) {
                  return {ok: false, status: 500, headers: {get: () => null}, json: async () => ({error: 'internal error'})};
                }
                const reporter = new URLSearchParams(url.slice(url.indexOf('?') + 1)).get('reporter');
                const body = url.startsWith('api/series') ? state.series
                  : url.startsWith('api/changes') ? [{year: 2025, month: 1, months: 1, value: 1e9, vintage: 'rows of ' + reporter, source: 'S'}]
                  : url.startsWith('api/signals') ? [{type: 'YOY_MOVE', status: 'ACTIVE', year: 2025, month: 1, months: 1, summary: 'signal of ' + reporter}]
                  : {processor: 'RUNNING'};
                return {ok: true, status: 200, headers: {get: () => null}, json: async () => body};
              },
            });
            const series = (reporter, partner) => ({reporter, partner, flow: 'EXPORT', commodity: 'TOTAL', months: 1, latestPeriod: '2025-01'});
            const sleep = ms => new Promise(done => setTimeout(done, ms));
            const page = () => ({selected: byId('series').value, table: tbody.innerHTML, chart: byId('chart').innerHTML,
              signals: byId('signals').innerHTML, error: sub.textContent});
            // The user picks a series (the browser's change event), then the page settles.
            const pick = async value => { byId('series').value = value; onChange(); await sleep(50); return page(); };
            (async () => {
              const html = fs.readFileSync(process.argv[2], 'utf8');
              sub.innerHTML = html.match(/<div class="sub">(.*)<\\/div>/)[1];
              state.series = [series('CHN', 'USA'), series('USA', 'CHN'), series('DEU', 'USA')];
              vm.runInContext(html.slice(html.indexOf('<script>') + '<script>'.length, html.indexOf('</script>')), context);
              await sleep(100);
              const out = {initial: page()};
              state.failing = ['api/changes?reporter=USA'];
              out.changesFailed = await pick('USA/CHN/EXPORT/TOTAL');
              state.failing = [];
              out.recovered = await pick('CHN/USA/EXPORT/TOTAL');
              state.failing = ['api/signals?reporter=DEU'];
              out.signalsFailed = await pick('DEU/USA/EXPORT/TOTAL');
              state.failing = [];
              await pick('CHN/USA/EXPORT/TOTAL');
              // The 5-second refresh of the series shown fails: its own rows stay (it is still the series selected).
              state.failing = ['api/changes'];
              refresh();
              out.refreshFailed = await sleep(50).then(page);
              out.unhandled = unhandled;
              console.log(JSON.stringify(out));
            })().catch(e => { console.error(e); process.exit(1); });
            """;

    /**
     * The same fake page, with a fetch that answers each list in pages, as the API does past its limit: a page of
     * {@code state.pages[endpoint]} per request, with X-Truncated and X-Next-Cursor while more follow, the cursor
     * naming the next page; and the "more series" button's click listener kept, so that the harness can press it.
     */
    private static final String PAGING_HARNESS = FAKE_PAGE + """
            const state = {pages: {}};
            let requests = [];
            let onMore = null;
            byId('more-series').addEventListener = (type, listener) => { if (type === 'click') onMore = listener; };
            const context = vm.createContext({
              URLSearchParams, console, setTimeout, setInterval: () => 0, location, history,
              document: {getElementById: byId, querySelector: q => q === '.sub' ? sub : q === '#table tbody' ? tbody : element()},
              fetch: async asked => {
                const url = resolve(asked);
                if (url.startsWith('health/')) {
                  return {ok: true, status: 200, headers: {get: () => null}, json: async () => ({processor: 'RUNNING'})};
                }
                requests.push(url);
                const params = new URLSearchParams(url.slice(url.indexOf('?') + 1));
                const pages = state.pages[url.slice(0, url.indexOf('?'))] || [[]];
                const after = params.get('after');
                const index = after == null ? 0 : Number(after.slice('page'.length));
                const next = index + 1 < pages.length ? 'page' + (index + 1) : null;
                return {ok: true, status: 200, json: async () => pages[index],
                  headers: {get: name => name === 'X-Truncated' && next ? 'true' : name === 'X-Next-Cursor' ? next : null}};
              },
            });
            const series = (reporter, partner) => ({reporter, partner, flow: 'EXPORT', commodity: 'TOTAL', months: 1, latestPeriod: '2025-01'});
            const change = month => ({year: 2025, month, months: 1, value: 1e9, vintage: 'v', source: 'S'});
            const signal = month => ({type: 'YOY_MOVE', status: 'ACTIVE', year: 2025, month, months: 1, summary: 'signal ' + month});
            const sleep = ms => new Promise(done => setTimeout(done, ms));
            const page = () => {
              const asked = requests; requests = [];
              return {requests: asked, options: byId('series').options, selected: byId('series').value,
                moreHidden: byId('more-series').hidden === true, more: byId('more').textContent, table: tbody.innerHTML,
                rowsMore: byId('rows-more').textContent, signals: byId('signals').innerHTML,
                signalsMore: byId('signals-more').textContent, error: sub.textContent};
            };
            (async () => {
              const html = fs.readFileSync(process.argv[2], 'utf8');
              // Two pages of series; the first series' rows in three pages, its signals in two.
              state.pages['api/series'] = [[series('CHN', 'USA')], [series('USA', 'CHN')]];
              state.pages['api/changes'] = [[change(1)], [change(2)], [change(3)]];
              state.pages['api/signals'] = [[signal(1)], [signal(3)]];
              vm.runInContext(html.slice(html.indexOf('<script>') + '<script>'.length, html.indexOf('</script>')), context);
              await sleep(100);
              const out = {initial: page()};
              if (onMore) onMore(); // a page without the button: the later assertions say what is missing
              await sleep(100);
              out.moreSeries = page();
              await vm.runInContext('loadSeries()', context); // the 5-second refresh
              out.refreshed = page();
              byId('f-reporter').value = 'CHN';
              await vm.runInContext('loadSeries()', context);
              out.filtered = page();
              // More pages than the page reads: it stops at its bound and says the list is cut.
              state.pages['api/changes'] = Array.from({length: 25}, (_, i) => [change(i % 12 + 1)]);
              await vm.runInContext('loadSeriesData()', context);
              out.bounded = page();
              // A first page the API's scan cap stopped before any series matched: empty, with a cursor.
              state.pages['api/series'] = [[], [series('CHN', 'USA')]];
              byId('f-commodity').value = '8703';
              await vm.runInContext('loadSeries()', context);
              out.emptyFirstPage = page();
              console.log(JSON.stringify(out));
            })().catch(e => { console.error(e); process.exit(1); });
            """;

    /**
     * The same fake page, answering one series whose rows and signals carry the quality fields as the API writes them
     * (enum names; absent on a row written before the fields existed): what the page then shows of each row, by
     * period, and of each signal, by summary; once with weaker figures among them, once with published ones only.
     */
    private static final String QUALITY_HARNESS = FAKE_PAGE + """
            const state = {changes: [], signals: []};
            const context = vm.createContext({
              URLSearchParams, console, setTimeout, setInterval: () => 0, location, history,
              document: {getElementById: byId, querySelector: q => q === '.sub' ? sub : q === '#table tbody' ? tbody : element()},
              fetch: async asked => {
                const url = resolve(asked);
                const body = url.startsWith('api/series')
                  ? [{reporter: 'CHN', partner: 'USA', flow: 'EXPORT', commodity: 'TOTAL', months: 9, latestPeriod: '2026-01'}]
                  : url.startsWith('api/changes') ? state.changes : url.startsWith('api/signals') ? state.signals
                  : {processor: 'RUNNING'};
                return {ok: true, status: 200, headers: {get: () => null}, json: async () => body};
              },
            });
            // Fields left out when not given: the row as written before they existed.
            const change = (year, month, quality, metricsQuality) => ({year, month, months: 1, value: month * 1e9,
              yoyPct: 1.5, vintage: 'v', source: 'GACC', ...(quality && {quality}), ...(metricsQuality && {metricsQuality})});
            const signal = (summary, quality) => ({type: 'YOY_MOVE', status: 'ACTIVE', year: 2025, month: 8, months: 1,
              summary, ...(quality && {quality})});
            const shown = () => ({
              rows: Object.fromEntries(tbody.innerHTML.split('<tr>').slice(1).map(r => [r.match(/<td>(\\d{4}-\\d{2})/)[1], r])),
              signals: Object.fromEntries(byId('signals').innerHTML.split('<div class="signal').slice(1)
                .map(d => [d.match(/: ([a-z ]*[a-z])/)[1], d])),
              chart: byId('chart').innerHTML});
            (async () => {
              const html = fs.readFileSync(process.argv[2], 'utf8');
              state.changes = [
                change(2025, 6),                             // written before the fields existed
                change(2025, 7, 'SECONDARY', 'SECONDARY'),   // its own level from a secondary source
                change(2025, 8, 'PUBLISHED', 'SECONDARY'),   // published, its MoM and YTD read July's level
                change(2025, 9, 'PUBLISHED', 'PUBLISHED'),
                change(2025, 10, 'ESTIMATED', 'ESTIMATED'),
                change(2025, 11, 'UNKNOWN', 'UNKNOWN'),
                change(2025, 12, 'ESTIMATED', 'SECONDARY'),  // estimated itself, its windows read a weaker one
                change(2026, 1, '<i>"NEW"', '<i>"NEW"'),     // a name this page does not know, markup in it
              ];
              state.signals = [signal('before the field'), signal('published', 'PUBLISHED'), signal('estimated', 'ESTIMATED'),
                signal('secondary', 'SECONDARY'), signal('unknown', 'UNKNOWN'), signal('newer', '<i>"NEW"')];
              vm.runInContext(html.slice(html.indexOf('<script>') + '<script>'.length, html.indexOf('</script>')), context);
              await new Promise(done => setTimeout(done, 100));
              const out = {mixed: shown()};
              state.changes = [change(2025, 8), change(2025, 9, 'PUBLISHED', 'PUBLISHED')];
              state.signals = [signal('before the field'), signal('published', 'PUBLISHED')];
              await vm.runInContext('loadSeries()', context);
              out.published = shown();
              console.log(JSON.stringify(out));
            })().catch(e => { console.error(e); process.exit(1); });
            """;

    private static boolean nodeAvailable() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private JsonNode run() throws Exception {
        return run(HARNESS);
    }

    private JsonNode run(String harnessScript) throws Exception {
        return run(harnessScript, null);
    }

    /** @param pageUrl the URL the page is opened at, or null for {@code http://proxy.example/tradepulse/} */
    private JsonNode run(String harnessScript, String pageUrl) throws Exception {
        Path page = tmp.resolve("dashboard.html");
        try (InputStream in = Objects.requireNonNull(DashboardServer.class.getResourceAsStream("dashboard.html"))) {
            Files.copy(in, page);
        }
        Path harness = Files.writeString(tmp.resolve("harness.js"), harnessScript);
        List<String> command = new ArrayList<>(List.of("node", harness.toString(), page.toString()));
        if (pageUrl != null) {
            command.add(pageUrl);
        }
        Process node = new ProcessBuilder(command)
                .redirectError(tmp.resolve("stderr.txt").toFile()).start();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).as(Files.readString(tmp.resolve("stderr.txt"))).isZero();
        return new ObjectMapper().readTree(out);
    }

    @Test
    void shouldShowTheFirstSeriesWhenAFilterLeavesTheSelectedOneOutAndNothingWhenNoneMatch() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode page = run();

        assertThat(page.at("/initial/selected").asText()).isEqualTo("CHN/USA/EXPORT/TOTAL");
        assertThat(page.at("/initial/requests")).extracting(JsonNode::asText).containsExactly(
                "api/series?limit=1000",
                "api/changes?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL",
                "api/signals?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL");

        JsonNode filtered = page.get("selectedFilteredOut");
        assertThat(filtered.get("selected").asText()).isEqualTo("CHN/USA/EXPORT/TOTAL");
        assertThat(filtered.get("requests")).extracting(JsonNode::asText).containsExactly(
                "api/series?limit=1000&reporter=CHN",
                "api/changes?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL",
                "api/signals?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL");
        assertThat(filtered.get("error").asText()).isEmpty();

        JsonNode none = page.get("noneMatch");
        assertThat(none.get("requests")).extracting(JsonNode::asText).as("no series: nothing to ask for")
                .containsExactly("api/series?limit=1000&reporter=XXX");
        assertThat(none.get("table").asText()).isEmpty();
        assertThat(none.get("chart").asText()).isEmpty();
        assertThat(none.get("signals").asText()).isEqualTo("<span class=\"muted\">none</span>");
        assertThat(none.get("more").asText()).isEqualTo("no series match the filters");
        assertThat(none.get("error").asText()).isEmpty();
    }

    @Test
    void shouldAskTheApiAndHealthRelativeToThePageSoThatAPathPrefixOfAProxyIsKept() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode page = run();

        // Served as https://host/tradepulse/ by a proxy that strips /tradepulse, the page asked for /api/series and
        // /health/ready at the host's root, outside the prefix: 404 from the proxy, an empty dashboard.
        assertThat(page.at("/initial/requests")).extracting(JsonNode::asText).isNotEmpty()
                .allSatisfy(url -> assertThat(url).startsWith("api/"));
        assertThat(page.get("healthRequests")).extracting(JsonNode::asText).containsExactly("health/ready");
    }

    @Test
    void shouldStayUnderTheProxyPrefixWhenOpenedWithoutTheTrailingSlash() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        // https://host/tradepulse, as users type it: relative URLs resolve against the last slash, the host's root, so
        // every request left the prefix (the proxy's 404, an empty page).
        JsonNode page = run(HARNESS, "http://proxy.example/tradepulse?x=1");

        assertThat(page.at("/initial/requests")).extracting(JsonNode::asText).containsExactly(
                "api/series?limit=1000",
                "api/changes?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL",
                "api/signals?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL");
        assertThat(page.get("healthRequests")).extracting(JsonNode::asText).containsExactly("health/ready");
    }

    @Test
    void shouldKeepItsUrlWhenOpenedAsIndexHtml() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        // /index.html is the page too: its directory is already the prefix, so "/index.html/" would be wrong.
        JsonNode page = run(HARNESS, "http://proxy.example/tradepulse/index.html");

        assertThat(page.at("/initial/requests")).extracting(JsonNode::asText).isNotEmpty()
                .allSatisfy(url -> assertThat(url).startsWith("api/"));
        assertThat(page.get("healthRequests")).extracting(JsonNode::asText).containsExactly("health/ready");
    }

    @Test
    void shouldLabelTheValuesWithTheSeriesCurrencyNotUsDollarsAlways() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode euro = run().get("euro");

        // The table's header and the chart said US$ bn for every series, Comext's EUR ones too.
        assertThat(euro.get("unit").asText()).isEqualTo("EUR");
        assertThat(euro.get("chart").asText()).contains("EUR bn").doesNotContain("US$");
    }

    @Test
    void shouldSayWhyItIsNotReadyWhenTheViewIsCatchingUpOrCannotRead() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode status = run().get("status");

        assertThat(status.get("ready").asText()).isEqualTo("● ready · processor RUNNING");
        // it said "not ready · processor RUNNING": the processor looked at fault while the view was the reason
        assertThat(status.get("catchingUp").asText()).isEqualTo("○ not ready · processor RUNNING · view catching up");
        assertThat(status.get("viewFailed").asText())
                .isEqualTo("○ not ready · processor RUNNING · view: cannot read trade.changes-0@17: <registry> unavailable");
        assertThat(status.get("rebalancing").asText()).isEqualTo("○ not ready · processor REBALANCING");
        // the view's database unreadable (every query 500): the processor looked at fault here too
        assertThat(status.get("viewUnreadable").asText()).isEqualTo("○ not ready · processor RUNNING · view:"
                + " java.lang.IllegalStateException: results view database: IO error");
    }

    @Test
    void shouldSayThatASeriesRowsOrSignalsWereCutWhenTheApiAnswersXTruncated() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode page = run();

        // Rows and signals beyond the API's limit were left out silently: the table and chart ended early, and the
        // later signals were missing, with nothing on the page saying so.
        JsonNode truncated = page.get("truncated");
        assertThat(truncated.get("table").asText()).contains("2025-01").contains("2025-02");
        assertThat(truncated.get("rows").asText()).contains("first 2 rows").contains("not shown");
        assertThat(truncated.get("signals").asText()).contains("first 1 signals").contains("not shown");
        assertThat(truncated.get("more").asText()).as("the series list was not cut").isEmpty();
        JsonNode signalsTruncated = page.get("signalsTruncated");
        assertThat(signalsTruncated.get("rows").asText()).isEmpty();
        assertThat(signalsTruncated.get("signals").asText()).contains("first 1 signals");
        JsonNode complete = page.get("complete");
        assertThat(complete.get("rows").asText()).isEmpty();
        assertThat(complete.get("signals").asText()).isEmpty();
        assertThat(complete.get("signalList").asText()).contains("up");
        JsonNode none = page.get("truncatedThenNoneMatch");
        assertThat(none.get("table").asText()).isEmpty();
        assertThat(none.get("rows").asText()).as("no rows shown, none cut").isEmpty();
        assertThat(none.get("signals").asText()).isEmpty();
    }

    @Test
    void shouldShowTheSelectedSeriesWhenAnOlderLoadAnswersAfterANewerOne() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode page = run(RACE_HARNESS);

        assertThat(page.get("selected").asText()).isEqualTo("USA/CHN/EXPORT/TOTAL");
        assertThat(page.get("table").asText()).as("the rows of the series selected, not of the slower earlier load")
                .contains("rows of USA").doesNotContain("rows of CHN");
        assertThat(page.get("signals").asText()).contains("signal of USA").doesNotContain("signal of CHN");
        assertThat(page.get("optionsAfterFilter")).extracting(JsonNode::asText).as("the list the filter asked for")
                .containsExactly("USA/CHN/EXPORT/TOTAL");
        assertThat(page.get("tableAfterFilter").asText()).contains("rows of USA").doesNotContain("rows of CHN");
    }

    @Test
    void shouldShowTheMonthsOfASignalOnACombinedJanuaryFebruaryAsTheTableDoes() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        // the table showed 2025-01..02 for the figure, the signal on it said 2025-01
        assertThat(run(RACE_HARNESS).get("signals").asText()).contains("<b>YOY_MOVE</b> 2025-01..02: signal of USA");
    }

    @Test
    void shouldShowNoOtherSeriesRowsOrSignalsAndSayWhyWhenLoadingTheSelectedSeriesFails() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode page = run(FAILURE_HARNESS);

        assertThat(page.at("/initial/table").asText()).contains("rows of CHN");
        // USA -> CHN picked, its rows answered 500: the table, chart and signals stayed those of CHN -> USA under
        // USA -> CHN's name, and the failure went to no one (an unhandled rejection of the change listener).
        JsonNode changesFailed = page.get("changesFailed");
        assertThat(changesFailed.get("selected").asText()).isEqualTo("USA/CHN/EXPORT/TOTAL");
        assertThat(changesFailed.get("table").asText()).doesNotContain("rows of CHN");
        assertThat(changesFailed.get("chart").asText()).isEmpty();
        assertThat(changesFailed.get("signals").asText()).doesNotContain("signal of CHN");
        assertThat(changesFailed.get("error").asText()).contains("api/changes").contains("500");
        // DEU -> USA picked, its rows answered but its signals 500: DEU's table stood next to CHN's signals.
        JsonNode signalsFailed = page.get("signalsFailed");
        assertThat(signalsFailed.get("selected").asText()).isEqualTo("DEU/USA/EXPORT/TOTAL");
        assertThat(signalsFailed.get("signals").asText()).doesNotContain("signal of CHN");
        assertThat(signalsFailed.get("error").asText()).contains("api/signals").contains("500");
        JsonNode refreshFailed = page.get("refreshFailed");
        assertThat(refreshFailed.get("table").asText()).contains("rows of CHN");
        assertThat(refreshFailed.get("signals").asText()).contains("signal of CHN");
        assertThat(page.get("unhandled")).as("failures left to no one").isEmpty();
    }

    @Test
    void shouldSayTheRowsShownAreNoLongerRefreshedWhenTheFiveSecondRefreshFails() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode refreshFailed = run(FAILURE_HARNESS).get("refreshFailed");

        // The refresh dropped its failure: the last rows stood under the subtitle (and '● ready': the health endpoint
        // does not read the view's database) while every query answered 500, as if they were current.
        assertThat(refreshFailed.get("table").asText()).contains("rows of CHN");
        assertThat(refreshFailed.get("error").asText()).contains("api/changes").contains("500");
    }

    @Test
    void shouldTakeBackAFailuresMessageOnceALoadSucceeds() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode page = run(FAILURE_HARNESS);

        // The message of a failure replaced the subtitle for good: "api/changes?...: 500" stood above the rows of
        // every series loaded after it (a busy server's 503 at the first load: as long as the page stayed open).
        assertThat(page.at("/changesFailed/error").asText()).contains("500");
        assertThat(page.at("/recovered/table").asText()).contains("rows of CHN");
        assertThat(page.at("/recovered/error").asText()).isEqualTo(page.at("/initial/error").asText())
                .startsWith("Monthly trade");
    }

    @Test
    void shouldReadEveryPageOfASeriesRowsAndSignalsWhenTheApiCutsThemAtItsLimit() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode initial = run(PAGING_HARNESS).get("initial");

        // Only the first page was read: the table, chart and signals ended at the API's limit, with a note that the
        // later ones were not shown, although the answer carried the cursor of the next page.
        assertThat(initial.get("requests")).extracting(JsonNode::asText).containsExactly(
                "api/series?limit=1000",
                "api/changes?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL",
                "api/changes?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL&after=page1",
                "api/changes?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL&after=page2",
                "api/signals?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL",
                "api/signals?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL&after=page1");
        assertThat(initial.get("table").asText()).contains("2025-01", "2025-02", "2025-03");
        assertThat(initial.get("rowsMore").asText()).isEmpty();
        assertThat(initial.get("signals").asText()).contains("signal 1", "signal 3");
        assertThat(initial.get("signalsMore").asText()).isEmpty();
    }

    @Test
    void shouldStopReadingPagesAtItsBoundAndSayTheRowsWereCut() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode bounded = run(PAGING_HARNESS).get("bounded");

        assertThat(bounded.get("requests")).extracting(JsonNode::asText).filteredOn(url -> url.startsWith("api/changes"))
                .hasSize(10).last().asString().endsWith("&after=page9");
        assertThat(bounded.get("rowsMore").asText()).isEqualTo(
                "first 10 rows (the earliest) in the table and chart: later ones are not shown");
    }

    @Test
    void shouldListTheNextPageOfSeriesWhenMoreSeriesIsPressedAndKeepItOnRefreshUntilTheFilterChanges()
            throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode page = run(PAGING_HARNESS);

        // The series beyond the API's first page could not be reached from the page at all.
        JsonNode initial = page.get("initial");
        assertThat(initial.get("options")).extracting(JsonNode::asText).containsExactly("CHN/USA/EXPORT/TOTAL");
        assertThat(initial.get("moreHidden").asBoolean()).isFalse();
        assertThat(initial.get("more").asText()).isEqualTo("first 1 series: narrow with the filters");
        JsonNode more = page.get("moreSeries");
        assertThat(more.get("requests")).extracting(JsonNode::asText).startsWith(
                "api/series?limit=1000", "api/series?limit=1000&after=page1");
        assertThat(more.get("options")).extracting(JsonNode::asText)
                .containsExactly("CHN/USA/EXPORT/TOTAL", "USA/CHN/EXPORT/TOTAL");
        assertThat(more.get("selected").asText()).isEqualTo("CHN/USA/EXPORT/TOTAL");
        assertThat(more.get("moreHidden").asBoolean()).as("no page after the second").isTrue();
        assertThat(more.get("more").asText()).isEmpty();
        assertThat(page.at("/refreshed/options")).extracting(JsonNode::asText)
                .containsExactly("CHN/USA/EXPORT/TOTAL", "USA/CHN/EXPORT/TOTAL");
        JsonNode filtered = page.get("filtered");
        assertThat(filtered.get("requests")).extracting(JsonNode::asText).filteredOn(url -> url.startsWith("api/series"))
                .containsExactly("api/series?limit=1000&reporter=CHN");
        assertThat(filtered.get("moreHidden").asBoolean()).isFalse();
    }

    /**
     * A page the API's scan cap stopped may hold no series and still carry a cursor (a commodity-only filter over a
     * view of many series): the page said "first 0 series: narrow with the filters", as if none matched.
     */
    @Test
    void shouldSayMoreSeriesMayMatchWhenTheFirstPageIsEmptyButHasACursor() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode empty = run(PAGING_HARNESS).get("emptyFirstPage");

        assertThat(empty.get("requests")).extracting(JsonNode::asText).filteredOn(url -> url.startsWith("api/series"))
                .containsExactly("api/series?limit=1000&reporter=CHN&commodity=8703");
        assertThat(empty.get("options")).isEmpty();
        assertThat(empty.get("moreHidden").asBoolean()).isFalse();
        assertThat(empty.get("more").asText()).isEqualTo("no series in the part of the view read so far: \"more series\" reads on");
    }

    @Test
    void shouldMarkARowWhoseValueComesFromASecondarySource() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode rows = run(QUALITY_HARNESS).at("/mixed/rows");

        // China's July 2025 exports to the US: a level from a secondary source, which the table showed as any other.
        assertThat(rows.get("2025-07").asText())
                .contains("<td>7.000 <span class=\"muted\" title=\"this period's figure is from a secondary source: "
                        + "not the statistical authority's release or a quotation of it\">(secondary)</span></td>")
                .as("its metrics read nothing weaker than itself").doesNotContain("(metrics:");
    }

    @Test
    void shouldMarkAnEstimatedFigureAndOneOfUnknownQualityAsSuch() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode rows = run(QUALITY_HARNESS).at("/mixed/rows");

        assertThat(rows.get("2025-10").asText()).contains("<td>10.000 <span class=\"muted\" title=\"this period's "
                + "figure is estimated: the source marks it as an estimate").contains(">(estimated)</span></td>")
                .doesNotContain("(metrics:");
        assertThat(rows.get("2025-11").asText()).contains("<td>11.000 <span class=\"muted\" title=\"this period's "
                + "figure is of a quality this version of tradepulse does not know\">(quality unknown)</span></td>")
                .doesNotContain("(metrics:");
    }

    @Test
    void shouldMarkARowWhoseMetricsReadAWeakerFigure() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode rows = run(QUALITY_HARNESS).at("/mixed/rows");

        // August 2025 is published itself, but its MoM and YTD read July's secondary-source level.
        assertThat(rows.get("2025-08").asText())
                .contains("<td>2025-08 <span class=\"muted\" title=\"some of this row's YoY, MoM, year-to-date or rolling "
                        + "3-month figures read a figure (the prior-year base, the prior month or a month of the windows) "
                        + "that is from a secondary source: not the statistical authority's release or a quotation of "
                        + "it\">(metrics: secondary)</span></td>")
                .as("its own figure is published").contains("<td>8.000</td>");
        // Estimated itself, its windows read a secondary-source level: both are said.
        assertThat(rows.get("2025-12").asText()).contains(">(metrics: secondary)</span></td>")
                .contains(">(estimated)</span></td>");
    }

    @Test
    void shouldShowNoQualityMarkWhereEveryFigureIsPublishedOrTheRowPredatesTheFields() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode page = run(QUALITY_HARNESS);

        JsonNode mixed = page.at("/mixed/rows");
        assertThat(mixed.get("2025-06").asText()).as("written before the fields: PUBLISHED")
                .contains("<td>2025-06</td><td>6.000</td>").doesNotContain("title=");
        assertThat(mixed.get("2025-09").asText()).contains("<td>2025-09</td><td>9.000</td>").doesNotContain("title=");
        JsonNode published = page.get("published");
        assertThat(published.get("rows")).hasSize(2).allSatisfy(row -> assertThat(row.asText()).doesNotContain("title="));
        assertThat(published.get("signals")).hasSize(2)
                .allSatisfy(signal -> assertThat(signal.asText()).doesNotContain("muted").doesNotContain("rests on"));
        assertThat(published.get("chart").asText()).doesNotContain("fill-opacity").doesNotContain("faded");
    }

    @Test
    void shouldSayASignalRestsOnAnEstimatedFigure() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode signals = run(QUALITY_HARNESS).at("/mixed/signals");

        assertThat(signals.get("estimated").asText()).contains("estimated <span class=\"muted\" title=\"the weakest of "
                + "the figures this signal rests on (the month, the base of its YoY and, for FRONT_LOADING and PAYBACK, "
                + "the trailing months that set the trend) is estimated: the source marks it as an estimate")
                .contains(">(rests on an estimated figure)</span></div>");
        assertThat(signals.get("secondary").asText()).contains(">(rests on a secondary-source figure)</span></div>");
        assertThat(signals.get("unknown").asText()).contains(">(rests on a figure of unknown quality)</span></div>");
        assertThat(signals.get("published").asText()).doesNotContain("rests on");
        assertThat(signals.get("before the field").asText()).as("PUBLISHED").doesNotContain("rests on");
    }

    @Test
    void shouldShowAQualityThePageDoesNotKnowEscaped() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        JsonNode mixed = run(QUALITY_HARNESS).get("mixed");

        assertThat(mixed.at("/rows/2026-01").asText()).contains(">(quality &lt;i&gt;&quot;NEW&quot;)</span></td>")
                .doesNotContain("<i>");
        assertThat(mixed.at("/signals/newer").asText())
                .contains(">(rests on a figure of quality &lt;i&gt;&quot;NEW&quot;)</span></div>").doesNotContain("<i>");
    }

    @Test
    void shouldFadeTheChartsBarOfAFigureThatIsNotPublished() throws Exception {
        assumeThat(nodeAvailable()).as("node on the PATH").isTrue();
        String chart = run(QUALITY_HARNESS).at("/mixed/chart").asText();

        assertThat(chart).contains(" fill-opacity=\"0.45\"><title>2025-07: 7.000 USD bn, YoY 1.5 % (secondary)</title>")
                .contains(" fill=\"#3c9a5f\"><title>2025-08: 8.000 USD bn, YoY 1.5 %</title>")
                .contains("; faded: not a published figure)");
    }
}
