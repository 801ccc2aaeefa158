# bench/server/chart.gp - requests per second, grouped by scenario, one bar
# per server, on a log scale (jotd-nocache in a lighter shade of jotd's
# colour).  bench_server.py calls it with
#   gnuplot -e "datafile='...'; outfile='...'; ncols=N; subtitle='...'" chart.gp
# datafile: a header line "scenario server..." then one line per scenario,
# "-" where a server has no such scenario.
set terminal svg size 900,520 dynamic enhanced font "sans,12" background "white"
set output outfile
set title "jotd vs peers: requests per second (log scale)\n{/*0.8 ".subtitle."}"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set logscale y
set yrange [1:*]
set format y "%.0s%c"
set ylabel "requests/s"
set grid ytics
set key top right
set xtics nomirror
set linetype 1 lc rgb "#1f77b4"
set linetype 2 lc rgb "#9ecae1"
set linetype 3 lc rgb "#d62728"
set linetype 4 lc rgb "#2ca02c"
set linetype 5 lc rgb "#7f7f7f"
plot for [i=2:ncols] datafile using i:xtic(1) title columnheader(i)
