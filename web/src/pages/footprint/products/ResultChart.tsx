import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Only the pieces used: a bar chart, its grid and tooltip, drawn as SVG (the bundle stays small).
echarts.use([BarChart, GridComponent, TooltipComponent, SVGRenderer]);

export interface Bar {
  label: string;
  /** kg CO2e per declared unit (a decimal string from the API; a float is fine for drawing). */
  value: string;
}

/** Horizontal bars, largest first; the numbers shown elsewhere stay the exact decimals. */
export function ResultChart({ bars, unit, testId }: { bars: Bar[]; unit: string; testId?: string }) {
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
    const sorted = [...bars].sort((a, b) => Number(a.value) - Number(b.value));
    chart.current?.setOption(
      {
        animation: false,
        grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        tooltip: {
          trigger: 'axis',
          axisPointer: { type: 'shadow' },
          valueFormatter: (v: unknown) =>
            `${Number(v).toLocaleString(undefined, { maximumFractionDigits: 3 })} ${unit}`,
        },
        xAxis: { type: 'value' },
        yAxis: {
          type: 'category',
          data: sorted.map((b) => b.label),
          axisLabel: { width: 160, overflow: 'truncate' },
        },
        series: [{ type: 'bar', data: sorted.map((b) => Number(b.value)), itemStyle: { color: '#15803d' } }],
      },
      true,
    );
  }, [bars, unit]);

  return (
    <div
      ref={el}
      className="pcf-chart"
      style={{ height: Math.max(120, bars.length * 32 + 40) }}
      data-testid={testId}
      role="img"
      aria-label={bars.map((b) => `${b.label}: ${b.value} ${unit}`).join('; ')}
    />
  );
}
