import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import type { ProjectionRow } from './api';

// Only what is drawn: bars (cost), a line (certificates), two axes, legend and tooltip, as SVG.
echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

/** Cost per year as bars (EUR, left axis) and certificates as a line (right axis), 2026–2034. */
export function CostChart({
  rows,
  labels,
}: {
  rows: ProjectionRow[];
  labels: { cost: string; certificates: string };
}) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, undefined, { renderer: 'svg' });
    chart.current = c;
    const resize = () => c.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(
      {
        animation: false,
        grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
        legend: { data: [labels.cost, labels.certificates], top: 0 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: rows.map((r) => String(r.year)) },
        yAxis: [
          { type: 'value', name: 'EUR' },
          { type: 'value', name: 't CO₂e', splitLine: { show: false } },
        ],
        series: [
          {
            name: labels.cost,
            type: 'bar',
            yAxisIndex: 0,
            data: rows.map((r) => Number(r.costEur)),
            itemStyle: { color: '#15803d' },
          },
          {
            name: labels.certificates,
            type: 'line',
            yAxisIndex: 1,
            data: rows.map((r) => Number(r.wholeCertificates)),
            itemStyle: { color: '#b45309' },
          },
        ],
      },
      true,
    );
  }, [rows, labels]);

  return (
    <div
      ref={el}
      className="pcf-chart"
      style={{ height: 320 }}
      data-testid="cost-chart"
      role="img"
      aria-label={rows.map((r) => `${r.year}: ${r.costEur} EUR, ${r.wholeCertificates}`).join('; ')}
    />
  );
}
