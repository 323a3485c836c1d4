/** The dashboard's stylesheet, inline in each page: mobile first, one column under 720 px, no web fonts. */
export const DASHBOARD_STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Microsoft YaHei",sans-serif;color:#1d2330;background:#f4f6f9}
main{max-width:1080px;margin:0 auto;padding:16px}
h1{font-size:1.35rem;margin:0 0 4px}
h2{font-size:1rem;margin:0 0 8px;color:#3a4356}
header{margin-bottom:12px}
.asof,.note,small{color:#5d6678}
.note{font-size:.85rem}
section{background:#fff;border:1px solid #dfe3ea;border-radius:10px;padding:14px;margin:0 0 12px;min-width:0}
.cards,.cols{display:grid;gap:12px;grid-template-columns:1fr}
.cards section,.cols section{margin:0}
.cards,.cols{margin-bottom:12px}
.big{font-size:2rem;font-weight:700;margin:0;color:#0b6b3a;overflow-wrap:anywhere}
.big small{font-size:.9rem;font-weight:400}
.card p{margin:4px 0 0}
.chart-wrap{margin:0}
.chart-wrap figcaption{font-size:.9rem;color:#5d6678;margin:0 0 6px}
.chart-wrap figcaption.empty{text-align:center;padding:4px 0}
.chart{width:100%;height:170px;display:block}
.chart .bar{fill:#2f8f5b}
.chart .zero,.chart .future{fill:#c9d1dc}
.chart .axis{stroke:#9aa3b2;stroke-width:1}
.chart .grid{stroke:#e3e7ee;stroke-width:1;stroke-dasharray:4 4}
.ticks{display:grid;font-size:.75rem;color:#5d6678;margin-top:2px}
.ticks span{text-align:center;white-space:nowrap;overflow:visible}
ol.ranked,ul.runs,ul.next{list-style:none;margin:0;padding:0}
.ranked li{display:grid;grid-template-columns:1fr auto;gap:2px 8px;padding:6px 0;border-top:1px solid #eef0f4}
.ranked li:first-child,.runs li:first-child,.next li:first-child{border-top:0}
.ranked .name{overflow-wrap:anywhere;min-width:0}
.ranked .val{font-variant-numeric:tabular-nums;font-weight:600}
.meter{grid-column:1/3;height:6px;background:#eef0f4;border-radius:3px;overflow:hidden}
.meter span{display:block;height:100%;background:#2f8f5b}
.runs li,.next li{padding:6px 0 6px 10px;border-top:1px solid #eef0f4;border-left:3px solid #2f8f5b;overflow-wrap:anywhere}
.runs li.bad{border-left-color:#c0392b}
.next li{border-left-color:#3867d6}
.when{font-variant-numeric:tabular-nums;color:#5d6678}
.trig{color:#5d6678;font-size:.85rem}
.none{color:#5d6678;margin:0}
code{font-size:.85em;overflow-wrap:anywhere}
@media (min-width:720px){.cards,.cols{grid-template-columns:1fr 1fr}.big{font-size:2.4rem}.chart{height:220px}}
`;
