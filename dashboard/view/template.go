package view

import (
	"html/template"
	"sync"
)

// pageTemplate is the page. It is well-formed XML as well as HTML (void
// elements are closed), and loads nothing: the Content-Security-Policy
// forbids every fetch. It is parsed on first use, not when a program that
// imports this package starts.
var pageTemplate = sync.OnceValue(func() *template.Template { return template.Must(template.New("page").Parse(pageHTML)) })

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta name="generator" content="lambdaobs view"/>
<title>{{.Title}}</title>
<style>
:root { color-scheme: light; }
body { margin: 0; padding: 16px 20px; background: #f2f3f3; color: #16191f; font: 14px/1.4 system-ui, "Liberation Sans", Arial, sans-serif; }
header h1 { font-size: 20px; margin: 0 0 4px; }
header p { margin: 0 0 10px; color: #545b64; }
.totals { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 14px; padding: 0; }
.totals div { background: #fff; border: 1px solid #d5dbdb; border-radius: 4px; padding: 6px 12px; }
.totals dt { font-size: 12px; color: #545b64; }
.totals dd { margin: 0; font-size: 20px; font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(24, minmax(0, 1fr)); grid-auto-rows: 36px; gap: 8px; }
.widget { margin: 0; background: #fff; border: 1px solid #d5dbdb; border-radius: 4px; padding: 6px 8px; display: flex; flex-direction: column; min-width: 0; overflow: hidden; }
.widget figcaption { font-weight: 600; font-size: 13px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.widget figcaption small { font-weight: normal; color: #687078; }
.chart { flex: 1; min-height: 0; }
.chart svg { width: 100%; height: 100%; }
.nodata { flex: 1; display: flex; align-items: center; justify-content: center; color: #879596; margin: 0; }
.legend { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
.legend .mark i { height: 0; border-radius: 0; border-top: 2px dashed; vertical-align: middle; }
.text { background: transparent; border: none; }
.text h2 { margin: 0; font-size: 18px; }
.text p { margin: 0; color: #545b64; }
.log .rows { flex: 1; overflow: auto; min-height: 0; }
.log table { border-collapse: collapse; width: 100%; font-size: 12px; }
.log th, .log td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eaeded; white-space: nowrap; max-width: 420px; overflow: hidden; text-overflow: ellipsis; }
.log th { position: sticky; top: 0; background: #fafafa; }
.log details { font-size: 11px; color: #687078; }
.log pre { white-space: pre-wrap; margin: 2px 0; }
.problem { color: #d13212; }
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p>{{if .Source}}From <code>{{.Source}}</code>: {{end}}<span id="lines-read">{{.Lines}}</span> lines read: {{.LogLines}} log lines, {{.Documents}} EMF documents, <span id="lines-platform">{{.Platform}}</span> platform lines, <span id="lines-ignored">{{.Ign}}</span> lines ignored.{{if .Functions}} Functions: {{range $i, $f := .Functions}}{{if $i}}, {{end}}<code>{{$f}}</code>{{end}}.{{else}} No lambdaobs function found in the input.{{end}}</p>
<dl class="totals">
<div><dt>Invocations</dt><dd id="invocation-count">{{.Invocations}}</dd></div>
<div><dt>Cold starts</dt><dd id="cold-start-count">{{.ColdStarts}}</dd></div>
<div><dt>Init duration p50</dt><dd id="init-duration-p50">{{.InitP50}}</dd></div>
<div><dt>Init duration p99</dt><dd id="init-duration-p99">{{.InitP99}}</dd></div>
<div><dt>ERROR lines</dt><dd id="error-count">{{.ErrorLines}}</dd></div>
</dl>
</header>
<main class="grid" data-widgets="{{len .Widgets}}">
{{- range .Widgets}}
{{- if eq .Type "metric"}}
<figure class="widget metric" data-widget="{{.Name}}" data-function="{{.Function}}" data-type="metric" data-stat="{{.Stat}}" data-period="{{.Period}}" data-series="{{len .Legend}}" data-points="{{.Points}}" data-values="{{.Values}}"{{if .Marks}} data-annotations="{{.Annotations}}"{{end}} style="{{.Style}}">
<figcaption>{{.Title}} <small>{{.Stat}} · {{.Period}} s</small></figcaption>
{{- if .SVG}}
<div class="chart">{{.SVG}}</div>
{{- else if .Problem}}
<p class="nodata problem">{{.Problem}}</p>
{{- else}}
<p class="nodata">no data in the captured output</p>
{{- end}}
<ul class="legend">{{range .Legend}}<li data-label="{{.Label}}" data-points="{{.Points}}" data-values="{{.Values}}"><i style="background:{{.Color}}"></i>{{.Label}}</li>{{end}}{{range .Marks}}<li class="mark" data-annotation="{{.Value}}"><i style="border-color:{{.Color}}"></i>{{.Label}} {{.Value}}</li>{{end}}</ul>
</figure>
{{- else if eq .Type "log"}}
<figure class="widget log" data-widget="{{.Name}}" data-function="{{.Function}}" data-type="log" data-rows="{{len .Rows}}" data-matched="{{.Matched}}" style="{{.Style}}">
<figcaption>{{.Title}} <small>{{len .Rows}} of {{.Matched}} lines</small></figcaption>
<details><summary>Logs Insights query</summary><pre>{{.Query}}</pre></details>
<div class="rows"><table>
<thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody>
</table></div>
</figure>
{{- else}}
<figure class="widget text" data-widget="{{.Name}}" data-function="{{.Function}}" data-type="text" style="{{.Style}}">
<h2>{{.Heading}}</h2>
<p>{{.Text}}</p>
</figure>
{{- end}}
{{- end}}
</main>
</body>
</html>
`
