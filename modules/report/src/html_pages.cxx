// The report's pages: index.html (every unit, outlier flags, a plot per metric)
// and units/uNNNN.html.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "cohort_statistics.h"
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/report/batch_report.h"
#include "svg_plots.h"

namespace medpipe {
namespace fs = std::filesystem;
using report::CohortMetric;
using report::escapeHtml;
using report::formatNumber;

namespace {

const char* kStyle =
    "<style>body{font:14px "
    "sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse}"
    "th,td{border:1px solid #ccc;padding:2px "
    "6px;text-align:right}th{background:#eee;cursor:pointer}"
    "td.t,th.t{text-align:left}tr.failed "
    "td{background:#fde}td.flag{color:#b00;text-align:left;min-width:18em;font-size:12px}td.t{white-space:nowrap}"
    ".plot .box{fill:#cde;stroke:#468}.plot "
    ".median{stroke:#024;stroke-width:2}.plot .whisker{stroke:#468}"
    ".plot .pt{fill:#468;fill-opacity:.6}.plot "
    ".outlier{fill:#d00;fill-opacity:1}.plot .title{font-weight:bold}"
    ".plot .axis,.histogram "
    ".axis{font-size:11px;fill:#555}img{max-width:100%;border:1px solid "
    "#ccc}.plot .group{font-size:12px;fill:#333}.plot "
    ".density{fill:#468;fill-opacity:.5}"
    ".histogram .bar{fill:#468}#pager button{margin:0 .3em}</style>";

// Sorting by a column (numbers by data-v) and filtering rows by text or by
// flag; nothing else.
const char* kScript = R"(<script>
let page=0;const rows=Array.from(document.getElementById('units').tBodies[0].rows);
function show(){const size=parseInt(document.getElementById('pagesize').value),shown=rows.filter(function(r){return r.dataset.match!=='0';});
const pages=Math.max(1,Math.ceil(shown.length/size));page=Math.min(Math.max(page,0),pages-1);
rows.forEach(function(r){r.style.display='none';});shown.slice(page*size,(page+1)*size).forEach(function(r){r.style.display='';});
document.getElementById('pageinfo').textContent=shown.length?'rows '+(page*size+1)+'-'+Math.min(shown.length,(page+1)*size)+' of '+shown.length:'no rows';}
function sortBy(th){const t=th.closest('table'),b=t.tBodies[0],i=th.cellIndex,d=th.dataset.dir==='1'?-1:1;
th.dataset.dir=d===1?'1':'0';rows.sort(function(x,y){
const a=x.cells[i],c=y.cells[i];if(a.dataset.v!==undefined&&c.dataset.v!==undefined){
const p=parseFloat(a.dataset.v),q=parseFloat(c.dataset.v);if(isNaN(p))return 1;if(isNaN(q))return -1;return d*(p-q);}
return d*a.textContent.localeCompare(c.textContent);});rows.forEach(function(r){b.appendChild(r);});page=0;show();}
function applyFilter(){const f=document.getElementById('filter').value.toLowerCase(),
o=document.getElementById('flagged').checked;rows.forEach(function(r){
r.dataset.match=r.textContent.toLowerCase().indexOf(f)>=0&&(!o||r.dataset.flag==='1')?'1':'0';});page=0;show();}
document.querySelectorAll('#units th').forEach(function(th){th.addEventListener('click',function(){sortBy(th);});});
document.getElementById('filter').addEventListener('input',applyFilter);
document.getElementById('flagged').addEventListener('change',applyFilter);
document.getElementById('pagesize').addEventListener('change',function(){page=0;show();});
document.getElementById('prev').addEventListener('click',function(){--page;show();});
document.getElementById('next').addEventListener('click',function(){++page;show();});
const m=location.hash.match(/sort=([^&]+)/);if(m)document.querySelectorAll('#units th').forEach(function(th){
if(th.textContent===decodeURIComponent(m[1]))sortBy(th);});show();
</script>)";

// On a unit page: records how many of its images decoded (for tests in a
// headless browser).
const char* kImageCheck =
    R"(<script>window.addEventListener('load',function(){const i=Array.from(document.images);
document.body.setAttribute('data-images-decoded',i.filter(function(x){return x.complete&&x.naturalWidth>0;}).length+'/'+i.length);});
</script>)";

std::string unitPage(size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "u%05zu.html", i + 1);
  return name;
}

std::string numberCell(double v) {
  std::ostringstream cell;
  cell << "<td data-v=\"" << (std::isfinite(v) ? formatNumber(v) : "NaN") << "\">" << formatNumber(v) << "</td>";
  return cell.str();
}

void writePage(const fs::path& path, const std::string& html) {
  writeAtomically(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp);
    out << html;
    if (!out.flush()) throw Error(path.string(), "", "cannot write report page");
  });
}

std::string pageStart(const std::string& title) {
  return "<!DOCTYPE html><html lang=\"en\"><head><meta "
         "charset=\"utf-8\"><title>" +
         escapeHtml(title) + "</title>" + kStyle + "</head><body>";
}

// A batch of one writes into the output folder itself (id ".").
std::string shownId(const ReportUnit& unit) { return unit.id == "." ? "(the output folder)" : unit.id; }

std::string scannerOf(const ReportUnit& unit) { return unit.scanner.empty() ? "unknown scanner" : unit.scanner; }

double valueOf(const ReportUnit& unit, const std::string& metric) {
  for (const auto& [name, value] : unit.metrics)
    if (name == metric) return value;
  return NAN;
}

}  // namespace

ReportSummary writeBatchReport(const fs::path& outputFolder, const std::vector<ReportUnit>& units,
                               const ReportOptions& options) {
  const fs::path folder = outputFolder / "report";
  std::error_code ec;
  fs::create_directories(folder / "units", ec);
  if (ec) throw Error((folder / "units").string(), "", "cannot create folder: " + ec.message());

  // Every metric any unit has, in the order first seen; `modality` is a code,
  // not a measurement.
  std::vector<std::string> names;
  for (const auto& u : units)
    for (const auto& [name, value] : u.metrics)
      if (name != "modality" && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  std::map<std::string, CohortMetric> cohort;
  for (const auto& name : names) {
    std::vector<double> values;
    for (const auto& u : units) values.push_back(u.ok ? valueOf(u, name) : NAN);
    cohort[name] = report::describeMetric(values);
  }
  // Scanner models of the finished units: with several, every plot has one row
  // per model.
  std::vector<std::string> scanners;
  for (const auto& u : units)
    if (u.ok && std::find(scanners.begin(), scanners.end(), scannerOf(u)) == scanners.end())
      scanners.push_back(scannerOf(u));
  std::sort(scanners.begin(), scanners.end());
  const bool byScanner = scanners.size() > 1;

  // Outlier flags: |robust z| > 3.5, with the reason.
  ReportSummary summary{folder / "index.html", units.size(), 0, 0};
  std::vector<std::vector<std::string>> flags(units.size()), flaggedNames(units.size());
  for (size_t i = 0; i < units.size(); ++i) {
    if (!units[i].ok) {
      ++summary.failed;
      continue;
    }
    for (const auto& name : names) {
      const double v = cohort[name].values[i], z = report::robustZ(cohort[name], v);
      if (std::abs(z) > report::kOutlierZ) flaggedNames[i].push_back(name);
      if (std::abs(z) > report::kOutlierZ)
        flags[i].push_back(name + " " + formatNumber(v) + " (z " + formatNumber(z) + ", median " +
                           formatNumber(cohort[name].median) + ")");
    }
    summary.outliers += !flags[i].empty();
  }

  std::ostringstream index;
  index << pageStart("medpipe report") << "<h1>Batch report</h1><p>" << units.size() << " units, " << summary.failed
        << " failed, " << summary.outliers
        << " with outlier flags (robust z = 0.6745 (x &#8722; median) / MAD, "
           "|z| &gt; "
        << report::kOutlierZ << ")";
  if (!options.unreadable.empty()) index << ", " << options.unreadable.size() << " folder(s) of unreadable input files";
  index << ".</p><p><input id=\"filter\" placeholder=\"filter rows\"> "
           "<label><input type=\"checkbox\" id=\"flagged\"> "
           "flagged or failed only</label> <span id=\"pager\"><button "
           "id=\"prev\">&#9664;</button><span "
           "id=\"pageinfo\"></span><button id=\"next\">&#9654;</button> "
           "<select id=\"pagesize\"><option>100</option>"
           "<option>500</option><option "
           "value=\"1000000\">all</option></select> rows a page</span></p>"
        << "<table id=\"units\"><thead><tr><th class=\"t\">unit</th><th "
           "class=\"t\">description</th>"
        << (byScanner ? "<th class=\"t\">scanner</th>" : "")
        << "<th class=\"t\">status</th><th class=\"t\">health</th><th "
           "class=\"t\">flags</th>";
  for (const auto& name : names) index << "<th>" << escapeHtml(name) << "</th>";
  index << "</tr></thead><tbody>";
  for (size_t i = 0; i < units.size(); ++i) {
    const auto& u = units[i];
    // The cell names the flagged metrics; the reasons are its tooltip and on
    // the unit's page.
    std::string flagText, reasons;
    for (const auto& f : flaggedNames[i]) flagText += (flagText.empty() ? "" : ", ") + escapeHtml(f);
    for (const auto& f : flags[i]) reasons += (reasons.empty() ? "" : "; ") + escapeHtml(f);
    index << "<tr" << (u.ok ? "" : " class=\"failed\"") << " data-flag=\"" << (!u.ok || !flags[i].empty()) << "\">"
          << "<td class=\"t\"><a href=\"units/" << unitPage(i) << "\">" << escapeHtml(shownId(u))
          << "</a></td><td class=\"t\">" << escapeHtml(u.description) << "</td>";
    if (byScanner) index << "<td class=\"t\">" << escapeHtml(scannerOf(u)) << "</td>";
    index << "<td class=\"t\">" << (u.ok ? "done" : "failed") << "</td><td class=\"t\">"
          << escapeHtml(u.health.empty() ? "?" : u.health) << "</td><td class=\"flag\" title=\"" << reasons << "\">"
          << flagText << "</td>";
    for (const auto& name : names) index << numberCell(cohort[name].values[i]);
    index << "</tr>";
  }
  index << "</tbody></table>";
  // Messages without folders: an export's folder names can carry patient names.
  if (summary.failed) {
    index << "<h2>Failed units</h2><ul id=\"failed\">";
    for (size_t i = 0; i < units.size(); ++i)
      if (!units[i].ok)
        index << "<li><a href=\"units/" << unitPage(i) << "\">" << escapeHtml(shownId(units[i]))
              << "</a>: " << escapeHtml(withoutFolders(units[i].message)) << "</li>";
    index << "</ul>";
  }
  if (!options.unreadable.empty()) {
    index << "<h2>Unreadable input files</h2><p>Files whose DICOM header could "
             "not be read belong to no unit "
             "(their folders are in summary.tsv).</p><ul id=\"unreadable\">";
    for (const auto& u : options.unreadable) index << "<li>" << escapeHtml(withoutFolders(u.detail)) << "</li>";
    index << "</ul>";
  }
  index << "<h2>Metrics across the batch</h2><p>Box: quartiles and median, "
           "whiskers 1.5 IQR; each dot a unit (click "
           "for its page), red: outlier";
  if (byScanner) index << "; one row per scanner model";
  index << ". Over " << report::kMaxDots << " units in a row, the other units are drawn as a density.</p>";
  for (const auto& name : names) {
    std::vector<report::PlotGroup> groups;
    for (const auto& scanner : byScanner ? scanners : std::vector<std::string>{""}) {
      report::PlotGroup group{escapeHtml(scanner), {}, {}};
      std::vector<double> values;
      for (size_t i = 0; i < units.size(); ++i) {
        if (byScanner && (!units[i].ok || scannerOf(units[i]) != scanner)) continue;
        const double v = cohort[name].values[i];
        values.push_back(v);
        group.points.push_back({v, "units/" + unitPage(i), escapeHtml(shownId(units[i])) + ": " + formatNumber(v),
                                std::abs(report::robustZ(cohort[name], v)) > report::kOutlierZ});
      }
      group.metric = byScanner ? report::describeMetric(values) : cohort[name];
      groups.push_back(std::move(group));
    }
    index << "<div>" << report::stripBoxPlot(name, groups) << "</div>";
  }
  index << kScript << "</body></html>\n";
  writePage(folder / "index.html", index.str());

  for (size_t i = 0; i < units.size(); ++i) {
    const auto& u = units[i];
    const std::string base = u.id == "." ? "../../" : "../../" + u.id + "/";
    std::ostringstream page;
    page << pageStart("medpipe report: " + shownId(u)) << "<p><a href=\"../index.html\">&#8592; batch</a></p><h1>"
         << escapeHtml(shownId(u)) << "</h1><p>" << escapeHtml(u.description) << "</p>";
    if (!u.scanner.empty()) page << "<p>Scanner: " << escapeHtml(u.scanner) << "</p>";
    if (!u.ok) page << "<p><b>failed:</b> " << escapeHtml(withoutFolders(u.message)) << "</p>";
    page << "<h2>Health findings</h2><p id=\"health\">"
         << escapeHtml(u.health.empty() ? "not recorded (the input is not a DICOM series, "
                                          "or series.json is missing)"
                                        : u.health)
         << "</p>";
    if (!flags[i].empty()) {
      page << "<h2>Outlier flags</h2><ul>";
      for (const auto& f : flags[i]) page << "<li>" << escapeHtml(f) << "</li>";
      page << "</ul>";
    }
    const auto showImages = [&](bool render) {
      for (const auto& image : u.images)
        if (image.render == render)
          page << "<h3>" << escapeHtml(image.file.string()) << "</h3><img src=\""
               << escapeHtml(base + image.file.generic_string()) << "\" alt=\"" << escapeHtml(image.file.string())
               << "\">";
    };
    if (u.ok) {
      page << "<h2>Slice montages</h2>";
      if (std::none_of(u.images.begin(), u.images.end(), [](const ReportImage& m) { return !m.render; }))
        page << "<p>none: the config has no <code>format: preview</code> "
                "output</p>";
      showImages(false);
      page << "<h2>3D render</h2>";
      if (std::none_of(u.images.begin(), u.images.end(), [](const ReportImage& m) { return m.render; }))
        page << "<p id=\"no-render\">none: " << escapeHtml(options.noRenderReason) << "</p>";
      showImages(true);
    }
    if (!u.histogram.counts.empty())
      page << "<h2>Intensity histogram</h2>"
           << report::histogramPlot(u.histogram.lower, u.histogram.upper, u.histogram.counts, u.histogram.below,
                                    u.histogram.above);
    if (!u.metrics.empty()) {
      page << "<h2>Metrics</h2><table><tr><th "
              "class=\"t\">metric</th><th>value</th><th>cohort "
              "percentile</th><th>robust "
              "z</th></tr>";
      for (const auto& [name, value] : u.metrics) {
        if (name == "modality") continue;
        const auto& c = cohort[name];
        page << "<tr><td class=\"t\">" << escapeHtml(name) << "</td><td>" << formatNumber(value) << "</td><td>"
             << formatNumber(report::cohortPercentile(c, value)) << "</td><td>"
             << formatNumber(report::robustZ(c, value)) << "</td></tr>";
      }
      page << "</table>";
    }
    if (!u.steps.empty()) {
      page << "<h2>Steps</h2><table><tr><th class=\"t\">step</th><th "
              "class=\"t\">stage</th><th>seconds</th><th "
              "class=\"t\">parameters</th></tr>";
      for (const auto& s : u.steps) {
        std::string parameters;
        for (const auto& [k, v] : s.parameters) parameters += (parameters.empty() ? "" : ", ") + k + "=" + v;
        page << "<tr><td class=\"t\">" << escapeHtml(s.name) << "</td><td class=\"t\">" << escapeHtml(s.stage)
             << "</td><td>" << (s.seconds >= 0 ? formatNumber(s.seconds) : "&#8211;") << "</td><td class=\"t\">"
             << escapeHtml(parameters) << "</td></tr>";
      }
      page << "</table>";
    }
    page << kImageCheck << "</body></html>\n";
    writePage(folder / "units" / unitPage(i), page.str());
  }
  return summary;
}

}  // namespace medpipe
