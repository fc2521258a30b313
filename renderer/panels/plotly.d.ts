// plotly.js-dist-min ships no types; the few calls the panels make are declared in plot.ts.
declare module 'plotly.js-dist-min';
