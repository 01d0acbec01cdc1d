import DriftCore
import Foundation

extension HTMLReport {
    /// The page's only style sheet. System fonts only: the report must open offline.
    static let style: StaticString = """
    :root {
      --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --paper: #ffffff; --wash: #f6f8fa;
      --fail: #b42318; --fail-wash: #fef3f2; --error: #b54708; --error-wash: #fffaeb;
      --pass: #067647; --pass-wash: #ecfdf3; --waived: #5925dc; --waived-wash: #f4f3ff;
      --skipped: #59636e; --hit: #fff4c2; --add: #e6ffec; --del: #ffebe9;
      --critical: #912018; --high: #c4320a; --medium: #b54708; --low: #175cd3; --info: #59636e;
      --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
      --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace;
    }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body { margin: 0; font: 15px/1.5 var(--sans); color: var(--ink); background: var(--paper); }
    main, .page-head > div { max-width: 76rem; margin: 0 auto; padding: 0 1.5rem; }
    h1, h2, h3, h4 { line-height: 1.25; font-weight: 600; margin: 1.6em 0 .6em; }
    h1 { font-size: 1.75rem; margin: .2em 0 .3em; }
    h2 { font-size: 1.35rem; padding-bottom: .3em; border-bottom: 1px solid var(--line); }
    h3 { font-size: 1.1rem; }
    h4 { font-size: 1rem; margin: 0; }
    code, pre, .mono { font-family: var(--mono); font-size: .86em; }
    a { color: var(--low); }
    .muted { color: var(--muted); }
    .page-head { padding: 1.4rem 0 1.2rem; border-bottom: 4px solid var(--pass); background: var(--pass-wash); }
    .page-head.drift { border-color: var(--fail); background: var(--fail-wash); }
    .page-head.incomplete { border-color: var(--error); background: var(--error-wash); }
    .page-head.upgrade { border-color: var(--waived); background: var(--waived-wash); }
    .eyebrow { margin: 0; font-size: .8rem; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); }
    .verdict-line { margin: .1em 0; font-size: 1.15rem; }
    .verdict-line strong { letter-spacing: .03em; }
    .verdict-line.drift strong { color: var(--fail); }
    .verdict-line.upgrade strong { color: var(--waived); }
    .verdict-line.incomplete strong { color: var(--error); }
    .verdict-line.ok strong, .verdict-line.upgrade-ready strong { color: var(--pass); }
    .meta { margin: .6em 0 0; color: var(--muted); font-size: .9rem; }
    .cards { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
    .card { flex: 1 1 8rem; border: 1px solid var(--line); border-radius: 8px; padding: .6rem .9rem; background: var(--wash); }
    .card .n { display: block; font-size: 1.6rem; font-weight: 600; font-variant-numeric: tabular-nums; }
    .card.fail .n { color: var(--fail); } .card.error .n { color: var(--error); }
    .card.waived .n { color: var(--waived); } .card.pass .n { color: var(--pass); }
    .severities { margin: .2rem 0 1rem; }
    table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
    th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-weight: 600; background: var(--wash); }
    td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
    td.zero { color: #b3bcc6; }
    td.bad { color: var(--fail); font-weight: 600; }
    .badge { display: inline-block; padding: 0 .45em; border-radius: 4px; font-size: .78rem; font-weight: 600;
      line-height: 1.6; border: 1px solid currentColor; white-space: nowrap; vertical-align: .1em; }
    .sev-critical { color: var(--critical); } .sev-high { color: var(--high); } .sev-medium { color: var(--medium); }
    .sev-low { color: var(--low); } .sev-info { color: var(--info); }
    .st-fail { color: var(--fail); } .st-error { color: var(--error); } .st-waived { color: var(--waived); }
    .st-pass { color: var(--pass); } .st-skipped { color: var(--skipped); }
    .st-new { color: var(--paper); background: var(--fail); border-color: var(--fail); }
    .changes-line { margin: .4rem 0; }
    .filter { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; align-items: center; gap: .4rem 1.2rem;
      margin: 1.2rem 0; padding: .6rem .9rem; border: 1px solid var(--line); border-radius: 8px; background: var(--paper);
      box-shadow: 0 2px 6px rgba(31, 35, 40, .08); font-size: .9rem; }
    .filter fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .2rem .7rem; align-items: center; }
    .filter legend { float: left; font-weight: 600; margin-right: .3rem; padding: 0; }
    .filter label { white-space: nowrap; }
    .filter select, .filter button { font: inherit; }
    .filter output { margin-left: auto; color: var(--muted); }
    section.host { margin: 1.5rem 0 2rem; }
    .host-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .3rem .8rem; border-bottom: 2px solid var(--ink); padding-bottom: .3rem; }
    .host-head h3 { margin: 0; font-size: 1.2rem; }
    article.file { margin: 1rem 0 1.4rem; border: 1px solid var(--line); border-radius: 8px; }
    .file-head { display: flex; flex-wrap: wrap; gap: .3rem .8rem; align-items: baseline; padding: .5rem .9rem;
      background: var(--wash); border-bottom: 1px solid var(--line); border-radius: 8px 8px 0 0; }
    .file-head h4 { font-family: var(--mono); font-size: .95rem; word-break: break-all; }
    .file-body { padding: .2rem .9rem .6rem; }
    ol.causes { list-style: none; padding: 0; margin: .6rem 0 1.2rem; }
    li.cause { margin: .6rem 0; padding: .55rem .9rem; border: 1px solid var(--line); border-left: 4px solid var(--fail);
      border-radius: 6px; break-inside: avoid; }
    li.cause.error { border-left-color: var(--error); }
    li.cause p { margin: .2rem 0; }
    .cause-head strong { font-size: 1.02rem; }
    .consequence { color: var(--fail); font-weight: 600; }
    li.cause details summary { cursor: pointer; color: var(--muted); font-size: .9rem; }
    li.cause table { margin: .4rem 0 0; }
    .problem { margin: .6rem 0; padding: .5rem .8rem; border-left: 4px solid var(--error); background: var(--error-wash); }
    .finding { margin: .8rem 0; padding: .6rem .9rem; border-left: 4px solid var(--fail); background: var(--paper);
      border-top: 1px solid var(--line); break-inside: avoid; }
    .finding.error { border-left-color: var(--error); }
    .finding.waived { border-left-color: var(--waived); }
    .finding-head { display: flex; flex-wrap: wrap; gap: .3rem .6rem; align-items: baseline; }
    .finding-head .title { font-weight: 600; }
    .finding-head code { color: var(--muted); }
    .where { margin: .2rem 0; font-family: var(--mono); font-size: .85rem; color: var(--muted); }
    .message { margin: .35rem 0; }
    dl.values { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: .4rem 0; }
    dl.values dt { color: var(--muted); }
    dl.values dd { margin: 0; }
    dl.values code, .value { white-space: pre-wrap; word-break: break-word; background: var(--wash); padding: 0 .25em; border-radius: 3px; }
    .unset { font-style: italic; color: var(--muted); }
    .masked { color: var(--waived); }
    .note { font-size: .85rem; color: var(--muted); margin: .2rem 0; }
    table.excerpt { width: auto; min-width: 60%; max-width: 100%; margin: .5rem 0; font-family: var(--mono); font-size: .82rem;
      border: 1px solid var(--line); }
    table.excerpt td { border: 0; padding: 0 .6rem; white-space: pre-wrap; word-break: break-all; }
    table.excerpt td.ln { text-align: right; color: var(--muted); user-select: none; border-right: 1px solid var(--line); width: 1%; white-space: nowrap; }
    table.excerpt tr.hit td { background: var(--hit); font-weight: 600; }
    table.excerpt tr.hit td.ln { color: var(--ink); }
    .explain { margin: .4rem 0 0; font-size: .92rem; }
    .explain dt { font-weight: 600; float: left; clear: left; margin-right: .4rem; }
    .explain dd { margin: 0 0 .2rem; }
    .waiver { margin: .4rem 0; padding: .3rem .6rem; background: var(--waived-wash); border-radius: 4px; font-size: .9rem; }
    details { margin: .5rem 0; }
    details > summary { cursor: pointer; color: var(--muted); }
    details > summary:hover { color: var(--ink); }
    table.checks td:first-child { width: 5.5rem; }
    table.diff { font-family: var(--mono); font-size: .8rem; border: 1px solid var(--line); }
    table.diff td { border: 0; padding: 0 .5rem; white-space: pre-wrap; word-break: break-all; }
    table.diff td.ln { width: 1%; text-align: right; color: var(--muted); user-select: none; white-space: nowrap; word-break: normal; }
    table.diff tr.hunk td { background: #ddf4ff; color: var(--muted); }
    table.diff tr.added td { background: var(--add); }
    table.diff tr.removed td { background: var(--del); }
    ul.plain { padding-left: 1.2rem; margin: .3rem 0; }
    footer { max-width: 76rem; margin: 3rem auto 2rem; padding: 1rem 1.5rem 0; border-top: 1px solid var(--line); color: var(--muted); font-size: .85rem; }
    [hidden] { display: none !important; }
    @media print {
      body { font-size: 10.5pt; }
      .filter, .no-print { display: none !important; }
      .page-head, .badge, table.excerpt tr.hit td, table.diff tr td, .card { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
      main, .page-head > div { max-width: none; padding: 0; }
      h2 { break-after: avoid; } .host-head, .file-head { break-after: avoid; }
      article.file { break-inside: auto; }
      a { color: inherit; text-decoration: none; }
    }
    """

    /// Filters findings by host, severity and status in the page itself (no server, no network),
    /// reads and writes the filter in the address's `#fragment` (`#host=compute2&status=fail`), and
    /// expands or collapses every `<details>`. Reads values only through `dataset` and form
    /// controls and writes only `hidden`, `open` and `textContent`: never markup.
    static let script: StaticString = """
    (function () {
      'use strict';
      var form = document.getElementById('filter');
      if (!form) { return; }
      var hostSelect = form.querySelector('select[name="host"]');
      function boxes(name) { return Array.prototype.slice.call(form.querySelectorAll('input[name="' + name + '"]')); }
      var severityBoxes = boxes('severity'), statusBoxes = boxes('status');
      var items = Array.prototype.slice.call(document.querySelectorAll('[data-finding]'));
      var groups = Array.prototype.slice.call(document.querySelectorAll('[data-group]'));
      var checks = items.filter(function (item) { return item.dataset.finding === 'check'; }).length;
      var shown = document.getElementById('shown');
      function values(list) { return list.filter(function (box) { return box.checked; }).map(function (box) { return box.value; }); }
      function apply(remember) {
        var host = hostSelect.value, severities = values(severityBoxes), statuses = values(statusBoxes), count = 0;
        items.forEach(function (item) {
          var data = item.dataset;
          var visible = (host === '' || data.host === host)
            && (data.severity === undefined || severities.indexOf(data.severity) >= 0)
            && (data.status === undefined || statuses.indexOf(data.status) >= 0);
          item.hidden = !visible;
          if (visible && data.finding === 'check') { count += 1; }
        });
        groups.forEach(function (group) { group.hidden = !group.querySelector('[data-finding]:not([hidden])'); });
        shown.textContent = count + ' of ' + checks + ' checks shown';
        if (remember) {
          var params = new URLSearchParams();
          if (host !== '') { params.set('host', host); }
          if (severities.length !== severityBoxes.length) { params.set('severity', severities.join(',')); }
          if (statuses.length !== statusBoxes.length) { params.set('status', statuses.join(',')); }
          try { history.replaceState(null, '', '#' + params.toString()); } catch (ignored) { }
        }
      }
      function restore() {
        var fragment = location.hash.replace(/^#/, '');
        if (fragment && fragment.indexOf('=') < 0) { return; }   // a link to a finding, not a filter
        var params = new URLSearchParams(fragment);
        var host = params.get('host');
        hostSelect.value = '';
        Array.prototype.forEach.call(hostSelect.options, function (option) { if (option.value === host) { hostSelect.value = host; } });
        [['severity', severityBoxes], ['status', statusBoxes]].forEach(function (pair) {
          var wanted = params.get(pair[0]);
          pair[1].forEach(function (box) { box.checked = wanted === null || wanted.split(',').indexOf(box.value) >= 0; });
        });
        apply(false);
      }
      form.addEventListener('change', function () { apply(true); });
      form.addEventListener('submit', function (event) { event.preventDefault(); });
      form.querySelector('button[name="reset"]').addEventListener('click', function () {
        hostSelect.value = '';
        severityBoxes.concat(statusBoxes).forEach(function (box) { box.checked = true; });
        apply(true);
      });
      ['expand', 'collapse'].forEach(function (name) {
        form.querySelector('button[name="' + name + '"]').addEventListener('click', function () {
          Array.prototype.forEach.call(document.querySelectorAll('main details'), function (details) { details.open = name === 'expand'; });
        });
      });
      window.addEventListener('hashchange', restore);
      form.hidden = false;
      restore();
    }());
    """

    /// The page's Content-Security-Policy: nothing may load (no fonts, images, frames or
    /// requests of any kind) and only this style sheet and this script may run, by hash, so
    /// even markup that slipped past escaping could not execute.
    static var contentSecurityPolicy: String {
        "default-src 'none'; style-src '\(hash(style))'; script-src '\(hash(script))'; "
            + "img-src 'none'; base-uri 'none'; form-action 'none'"
    }

    private static func hash(_ source: StaticString) -> String {
        "sha256-" + Data(Digest.sha256(Array(source.description.utf8))).base64EncodedString()
    }
}
