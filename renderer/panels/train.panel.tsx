/**
 * Training (issue 7): method, architecture and optimisation settings (validated with the shared
 * TrainingConfig schema before anything starts), start / pause / resume / cancel, a progress bar
 * with step, epoch and ETA, live loss curves (train per step and per epoch, validation per epoch,
 * log scale option) and the learning-rate curve, a live preview of the plane under the cursor
 * from periodic checkpoints, and the list of models (save a copy, apply to a stack, load a folder).
 */
import { useEffect, useRef, useState } from 'react';
import type { AppInfo } from '../../shared/ipc/app.ts';
import { trainCheckpointDir, type TrainedModelSummary } from '../../shared/ipc/job-kinds/train.ts';
import type { TrainEstimate } from '../../shared/ipc/job-kinds/train-estimate.ts';
import type { JobInfo } from '../../shared/ipc/jobs.ts';
import { TrainingConfig } from '../../shared/config/training.ts';
import { runJob } from '../api/jobs.ts';
import type { PanelDef, SlotProps } from '../shell/slots.ts';
import { isPreviewStack, useWorkspace } from '../shell/workspace.ts';
import { formatDuration } from '../state/format.ts';
import { trainFitProblems } from '../../shared/config/train-fit-check.ts';
import { bindViewerToShell } from '../viewer/shellBinding.ts';
import { NumberField, StackSelect, fmt, isImage, reportStartError, stacksByRole, injectPanelStyles } from './common.tsx';
import { drawPlot, preloadPlots, purgePlot } from './plot.ts';
import { DEFAULT_TRAIN, trainingConfigOf, useWorkflow, workflowOf, type ModelEntry, type StepTiming, type TrainSettings } from './workflow-state.ts';

type Method = 'n2s' | 'n2n' | 'n2c' | 'n2v' | 'n2s-bs';

interface Curves {
  steps: number[];
  stepLoss: number[];
  stepLr: number[];
  epochs: number[];
  /** The step each epoch ended at (a budgeted run re-plans its steps per epoch). */
  epochSteps: number[];
  epochLoss: number[];
  epochVal: (number | null)[];
}
const emptyCurves = (): Curves => ({ steps: [], stepLoss: [], stepLr: [], epochs: [], epochSteps: [], epochLoss: [], epochVal: [] });

let appInfo: Promise<AppInfo> | null = null;
/** Step times measured by 'train-estimate', per stack and settings (see estimateKey): measured once per window. */
const measuredSteps = new Map<string, TrainEstimate>();
const probing = new WeakSet<object>();

function eta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Work per training step, in arbitrary units: pixels through the network × its width². */
export function stepWork(t: Pick<TrainSettings, 'batch' | 'patch' | 'widthScale'>): number {
  return t.batch * t.patch * t.patch * t.widthScale * t.widthScale;
}

/**
 * Seconds per step before anything was measured here: a per-step overhead plus work at a rate
 * typical of a 2-core laptop CPU under ONNX Runtime (the default settings, batch 8 of 64² at half
 * width, ran at 0.7–1.2 s per step on such a machine). An order of magnitude, and said to be one.
 */
const GUESS_OVERHEAD_S = 0.08;
const GUESS_S_PER_WORK = 8e-5;

const guessStep = (work: number): number => GUESS_OVERHEAD_S + GUESS_S_PER_WORK * work;

/**
 * Run time of the chosen steps: the pace measured here, carried to other settings by the ratio of
 * the guessed costs (a tiny test network is all overhead, so work alone would scale it wrongly);
 * without a measurement, the guess itself.
 */
export function estimateSeconds(t: TrainSettings, measured: StepTiming | null): { seconds: number; measured: boolean } {
  const steps = t.epochs * t.stepsPerEpoch;
  if (measured) return { seconds: steps * measured.secondsPerStep * (guessStep(stepWork(t)) / guessStep(measured.work)), measured: true };
  return { seconds: steps * guessStep(stepWork(t)), measured: false };
}

/**
 * What the step time measured here ('train-estimate') says about a run: under a time budget the run
 * takes its budget (the trainer plans the steps to fill it) and does about budget ÷ step time steps;
 * by steps, the start (engine, warm-up step), steps × step time and a validation pass per epoch.
 */
export function measuredRun(t: Pick<TrainSettings, 'sizing' | 'minutes' | 'epochs' | 'stepsPerEpoch'>, m: Pick<TrainEstimate, 'secondsPerStep' | 'secondsPerValidation' | 'startSeconds'>): { seconds: number; steps: number } {
  if (t.sizing === 'time') {
    const seconds = t.minutes * 60;
    return { seconds, steps: Math.max(1, Math.floor((seconds - m.startSeconds) / m.secondsPerStep)) };
  }
  const steps = t.epochs * t.stepsPerEpoch;
  return { seconds: m.startSeconds + steps * m.secondsPerStep + t.epochs * m.secondsPerValidation, steps };
}

/** Fewest milliseconds between two redraws of the loss and learning-rate plots during a run. */
const PLOT_MS = 500;

/** "0.52 s" / "38 ms" per step. */
const perStep = (s: number): string => (s >= 0.1 ? `${s.toFixed(2)} s` : `${Math.max(1, Math.round(s * 1000))} ms`);

/** Schema paths in the form's words. */
const FIELD_WORDS: Record<string, string> = {
  neighbours: 'K (neighbours per side)',
  widthScale: 'Width scale',
  epochs: 'Epochs',
  stepsPerEpoch: 'Steps / epoch',
  batch: 'Batch',
  patch: 'Patch',
  lr: 'Learning rate',
  valFraction: 'Validation fraction',
  seed: 'Seed',
};

function clock(d = new Date()): string {
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;
}

function TrainPanel({ api, workspace }: SlotProps) {
  injectPanelStyles();
  const wf = workflowOf(workspace);
  const stacks = useWorkspace(workspace, (s) => s.stacks);
  const images = stacks.filter((s) => isImage(s) && !isPreviewStack(s));
  const { primary, copy, reference } = stacksByRole(images);
  const mode = useWorkflow(wf, (s) => s.mode);
  const k = useWorkflow(wf, (s) => s.k);
  const models = useWorkflow(wf, (s) => s.models);
  const f = useWorkflow(wf, (s) => s.train);
  const stepTiming = useWorkflow(wf, (s) => s.stepTiming);
  const { method, arch, engine, backend } = f;
  const setF = (patch: Partial<TrainSettings>) => wf.set({ train: { ...wf.snapshot.train, ...patch } });
  const [job, setJob] = useState<JobInfo | null>(null);
  const [curves, setCurves] = useState<Curves>(emptyCurves);
  const [logScale, setLogScale] = useState(true);
  const [activeEngine, setActiveEngine] = useState<string>('');
  /** Cancelled after at least one epoch: the job ends 'done' with the best model so far kept. */
  const [stoppedEarly, setStoppedEarly] = useState(false);
  const lossRef = useRef<HTMLDivElement>(null);
  const plotThrottle = useRef<{ last: number; timer?: ReturnType<typeof setTimeout> }>({ last: 0 });
  const lrRef = useRef<HTMLDivElement>(null);
  const previewRef = useRef<{ count: number; stackId?: string; busy: boolean; secondsPerStep?: number }>({ count: 0, busy: false });
  const engines = useWorkflow(wf, (s) => s.engines);

  // Probe once per window which engines/backends load here.
  useEffect(() => {
    if (engines !== null || probing.has(wf)) return;
    probing.add(wf);
    void runJob(api, 'engines', {})
      .then((j) => j.done)
      .then((list) => wf.set({ engines: list }))
      .catch(() => wf.set({ engines: [] }));
  }, [api, wf, engines]);
  const tfjsOk = (name: string) => engines === null || engines.some((e) => e.engine === 'tfjs' && e.name === name && e.status === 'ok');

  const layoutMode = method === 'n2s' ? mode : 'copy';
  const neighbours = method === 'n2s' || method === 'n2c' || method === 'n2s-bs' ? k : 0;
  const config = trainingConfigOf(f, { method, mode: layoutMode, neighbours }, primary?.meta.flavour === 'nifti');
  // What does not fit the stack is said first and in the form's words; the schema catches the rest.
  const fit = primary ? trainFitProblems(primary, { method, mode: layoutMode, neighbours: config.neighbours ?? 0, patch: f.patch, arch }) : [];
  const parsed = TrainingConfig.safeParse(config);
  const schemaProblem = parsed.success
    ? null
    : (() => {
        const issue = parsed.error.issues[0]!;
        const field = String(issue.path[0] ?? '');
        return `${FIELD_WORDS[field] ?? field}: ${issue.message}`;
      })();
  const needsCopy = method === 'n2n' || (method === 'n2s' && mode === 'copy');
  const problem = !primary
    ? 'Open a noisy stack first (File › Open stack…, or drop a file on the window).'
    : fit.length > 0
      ? fit.join(' ')
      : schemaProblem
        ? schemaProblem
        : needsCopy && !copy
          ? 'This method needs a second noisy copy: File › Open second copy…'
          : method === 'n2c' && !reference
            ? 'Noise2Clean needs a reference stack: File › Open reference…'
            : null;
  const running = job !== null && (job.state === 'running' || job.state === 'queued' || job.state === 'paused');
  const estimate = estimateSeconds(f, stepTiming);
  // The step time depends on the stacks and on everything but the run's length, seed and rate.
  const estimateKey =
    primary && !problem
      ? JSON.stringify({ stack: primary.stackId, copy: needsCopy ? copy?.stackId : null, reference: method === 'n2c' ? reference?.stackId : null, ...config, epochs: 0, stepsPerEpoch: 0, seed: 0, lr: 0 })
      : null;
  const [measuredStep, setMeasuredStep] = useState<{ key: string; estimate: TrainEstimate } | null>(null);
  const [measuring, setMeasuring] = useState(false);
  const stepMeasured = estimateKey ? (measuredStep?.key === estimateKey ? measuredStep.estimate : (measuredSteps.get(estimateKey) ?? null)) : null;
  // Before Start: time a few steps of these settings on this stack (a few seconds, once per settings),
  // after the settings have been still for a moment; never while a run is going.
  useEffect(() => {
    if (!estimateKey || running || !primary) return;
    if (measuredSteps.has(estimateKey)) return;
    let live = true;
    let jobId: string | null = null;
    const timer = setTimeout(() => {
      setMeasuring(true);
      void runJob(api, 'train-estimate', {
        stackId: primary.stackId,
        copyStackId: needsCopy ? copy?.stackId : undefined,
        referenceStackId: method === 'n2c' ? reference?.stackId : undefined,
        config,
      })
        .then((j) => {
          jobId = j.jobId;
          if (!live) void api.invoke('jobs:cancel', { jobId }).catch(() => undefined);
          return j.done;
        })
        .then((r) => {
          measuredSteps.set(estimateKey, r);
          if (live) setMeasuredStep({ key: estimateKey, estimate: r });
        })
        .catch(() => undefined) // no measurement: the estimate stays a guess and says so
        .finally(() => live && setMeasuring(false));
    }, 700);
    return () => {
      live = false;
      clearTimeout(timer);
      setMeasuring(false);
      if (jobId) void api.invoke('jobs:cancel', { jobId }).catch(() => undefined);
    };
    // config is rebuilt every render; estimateKey stands for it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [estimateKey, running]);
  // The verdict of the latest model trained in this session (kept in the workspace state).
  const lastVerdict = [...models].reverse().find((m) => m.summary?.verdict)?.summary?.verdict ?? null;

  useEffect(() => {
    if (!lossRef.current) return;
    const c = curves;
    const throttle = plotThrottle.current;
    clearTimeout(throttle.timer);
    // Empty axes say nothing: the plot is drawn from the first point on.
    if (c.steps.length === 0 && c.epochs.length === 0) {
      purgePlot(lossRef.current);
      purgePlot(lrRef.current);
      return;
    }
    const drawCurves = (c: Curves) => {
      if (!lossRef.current) return;
      void drawPlot(
        lossRef.current,
        [
          { x: c.steps, y: c.stepLoss, name: 'train (step)', mode: 'markers', marker: { size: 3 } },
          { x: c.epochSteps, y: c.epochLoss, name: 'train (epoch)', mode: 'lines+markers' },
          {
            x: c.epochSteps.filter((_, i) => c.epochVal[i] !== null),
            y: c.epochVal.filter((v): v is number => v !== null),
            name: 'validation',
            mode: 'lines+markers',
          },
        ],
        { title: 'Loss', xaxis: { title: 'training step' }, yaxis: { title: 'loss (MSE)', type: logScale ? 'log' : 'linear' } },
      );
      if (lrRef.current) void drawPlot(lrRef.current, [{ x: c.steps, y: c.stepLr, name: 'learning rate', mode: 'lines' }], { title: 'Learning rate', xaxis: { title: 'training step' }, yaxis: { title: 'learning rate' }, height: 170, showlegend: false });
    };
    const draw = () => {
      if (!lossRef.current) return;
      throttle.last = performance.now();
      drawCurves(c);
    };
    // A redraw per job update (ten a second) kept the page so busy that a click on Pause waited
    // behind them (measured: 0.7 s, the page's step 26 behind the job's): at most one per PLOT_MS.
    const wait = throttle.last + PLOT_MS - performance.now();
    if (wait <= 0) draw();
    else throttle.timer = setTimeout(draw, wait);
  }, [curves, logScale]);
  useEffect(() => preloadPlots(), []);
  useEffect(() => () => clearTimeout(plotThrottle.current.timer), []);
  useEffect(() => () => (purgePlot(lossRef.current), purgePlot(lrRef.current)), []);

  const onUpdate = (info: JobInfo, plane: () => number) => {
    setJob(info);
    const v = info.values;
    // The job's own measured pace (seconds per optimiser step), for the next estimate.
    if (v.secondsPerStep !== undefined && v.secondsPerStep > 0) previewRef.current.secondsPerStep = v.secondsPerStep;
    const engineText = info.message.split(' · ')[1];
    if (engineText) setActiveEngine(engineText);
    setCurves((c) => {
      let next = c;
      if (v.step !== undefined && v.loss !== undefined && !c.steps.includes(v.step) && /step \d+\//.test(info.message)) {
        next = { ...next, steps: [...next.steps, v.step], stepLoss: [...next.stepLoss, v.loss], stepLr: [...next.stepLr, v.lr ?? NaN] };
      }
      if (v.lastEpoch !== undefined && v.epochLoss !== undefined && !next.epochs.includes(v.lastEpoch)) {
        // At the last step seen (a budgeted run re-plans its steps per epoch, so not epoch × steps).
        const at = next.steps.at(-1) ?? v.step ?? 0;
        next = { ...next, epochs: [...next.epochs, v.lastEpoch], epochSteps: [...next.epochSteps, at], epochLoss: [...next.epochLoss, v.epochLoss], epochVal: [...next.epochVal, v.epochValLoss ?? null] };
      }
      return next;
    });
    // Live preview: a new checkpoint → denoise the plane on screen with it.
    const pv = previewRef.current;
    if (f.previewEvery > 0 && primary && (v.checkpoint ?? 0) > pv.count && !pv.busy && info.state === 'running') {
      pv.count = v.checkpoint!;
      pv.busy = true;
      void (async () => {
        try {
          appInfo ??= api.invoke('app:info', {});
          const modelDir = trainCheckpointDir((await appInfo).outputDir, info.jobId);
          // The previous preview is replaced, unless the user closed it meanwhile.
          const replace = pv.stackId && workspace.snapshot.stacks.some((s) => s.stackId === pv.stackId) ? pv.stackId : undefined;
          const pj = await runJob(api, 'preview', {
            stackId: primary.stackId,
            copyStackId: layoutMode === 'copy' ? copy?.stackId : undefined,
            modelDir,
            plane: plane(),
            label: `step ${v.checkpointStep ?? v.step ?? ''}`,
            replaceStackId: replace,
          });
          pv.stackId = (await pj.done).stackId;
        } catch {
          // A preview that fails (e.g. the checkpoint is being rewritten) is skipped; the next one retries.
        } finally {
          pv.busy = false;
        }
      })();
    }
  };

  const start = async () => {
    if (!primary || problem) return;
    setCurves(emptyCurves());
    setActiveEngine('');
    setStoppedEarly(false);
    previewRef.current = { count: 0, busy: false };
    const viewer = bindViewerToShell(workspace).viewer;
    // The plane on screen (the viewer's XY plane), read at each checkpoint so the preview follows the user.
    const plane = () => Math.max(0, Math.min(primary.depth - 1, viewer.get().cursor.z));
    const base = primary.name.replace(/\.(ome\.)?tiff?$|\.nii(\.gz)?$/i, '');
    const layout = method === 'n2s' ? `n2s ${mode} K=${k}` : method === 'n2c' || method === 'n2s-bs' ? `${method} K=${k}` : method;
    const name = `${base} · ${layout} · ${clock()}`;
    const settings = f;
    try {
      const j = await runJob(
        api,
        'train',
        {
          stackId: primary.stackId,
          copyStackId: needsCopy ? copy?.stackId : undefined,
          referenceStackId: method === 'n2c' ? reference?.stackId : undefined,
          config,
          previewEvery: f.previewEvery,
          name,
          // By time: the trainer plans the epochs and steps to fill the budget.
          time: f.sizing === 'time' ? f.minutes * 60 : undefined,
        },
        (info) => onUpdate(info, plane),
      );
      const t0 = performance.now();
      const r: TrainedModelSummary = await j.done;
      const backendName = `${r.engine.engine}/${r.engine.provider ?? r.engine.backend}`;
      wf.addModel({ modelDir: r.modelDir, name: r.name, summary: r, trainedAt: Date.now(), sourceStackId: primary.stackId });
      wf.set({ backend: backendName, timings: { ...wf.snapshot.timings, training: r.seconds } });
      // The run's own pace on this machine becomes the next estimate's basis.
      const stepsDone = r.history.length * settings.stepsPerEpoch;
      const seconds = r.seconds > 0 ? r.seconds : (performance.now() - t0) / 1000;
      const measured = previewRef.current.secondsPerStep ?? (stepsDone > 0 ? seconds / stepsDone : 0);
      if (measured > 0) wf.set({ stepTiming: { secondsPerStep: measured, work: stepWork(settings), backend: backendName } });
      setActiveEngine(backendName);
      setStoppedEarly(r.cancelled);
      workspace.notify(
        'info',
        r.cancelled
          ? `Training cancelled after ${r.history.length} epoch(s); the best model so far is kept: ${r.name}`
          : `Training done: ${r.name} (best validation loss ${fmt(r.bestValLoss, 4)}). It is selected in Denoise.`,
      );
    } catch (e) {
      const msg = (e as Error).message;
      if (/cancel/i.test(msg)) workspace.notify('info', 'Training cancelled');
      else reportStartError(workspace, 'Training', e);
    } finally {
      // The preview served the run; the trained model is what Denoise uses now.
      const last = previewRef.current;
      const closeLast = () => last.stackId && void api.invoke('stack:close', { stackId: last.stackId }).catch(() => undefined);
      if (last.busy) {
        const wait = setInterval(() => {
          if (last.busy) return;
          clearInterval(wait);
          closeLast();
        }, 200);
      } else closeLast();
    }
  };

  const control = (what: 'jobs:pause' | 'jobs:resume' | 'jobs:cancel') => job && void api.invoke(what, { jobId: job.jobId });
  const num = (key: keyof TrainSettings) => (v: number) => Number.isFinite(v) && setF({ [key]: v });
  const v = job?.values ?? {};
  const totalSteps = v.totalSteps ?? (f.sizing === 'time' ? 0 : f.epochs * f.stepsPerEpoch);
  // Under a time budget the trainer chose the epochs; the run's own numbers come with each step.
  const epochsShown = v.epochs ?? (f.sizing === 'time' ? 0 : f.epochs);
  const shownState = job?.state === 'done' && stoppedEarly ? 'cancelled' : (job?.state ?? 'idle');

  return (
    <div className="form" data-testid="train-panel">
      <p>
        Stack: <strong title={primary?.name}>{primary?.name ?? 'none'}</strong> · layout <strong data-testid="train-layout">{method === 'n2s' ? `${mode}-supervised, K=${k}` : method === 'n2n' ? 'Noise2Noise (K=0)' : method === 'n2v' ? 'Noise2Void' : method === 'n2s-bs' ? `blind-spot (1+2K), K=${k}` : `Noise2Clean, K=${k}`}</strong> (set K in Neighbours)
      </p>
      <div className="n2s-grid2">
        <label>
          Method
          <select data-testid="train-method" value={method} onChange={(e) => setF({ method: e.target.value as Method })}>
            <option value="n2s">Noise2Stack</option>
            <option value="n2n" disabled={!copy}>
              Noise2Noise{copy ? '' : ' (needs a second copy)'}
            </option>
            <option value="n2c" disabled={!reference}>
              Noise2Clean{reference ? '' : ' (needs a reference)'}
            </option>
            <option value="n2v">Noise2Void</option>
            <option value="n2s-bs">Noise2Stack + blind spot (one stack)</option>
          </select>
        </label>
        <label>
          Architecture
          <select data-testid="train-arch" value={arch} onChange={(e) => setF({ arch: e.target.value as 'csbdeep' | 'n2n' })}>
            <option value="csbdeep">CSBDeep U-Net (microscopy)</option>
            <option value="n2n">Noise2Noise U-Net (MRI)</option>
          </select>
        </label>
        <NumberField testId="train-width" label="Width scale" value={f.widthScale} step={0.125} min={0.125} onChange={num('widthScale')} />
        <label>
          Size the run by
          <select data-testid="train-sizing" value={f.sizing} onChange={(e) => setF({ sizing: e.target.value as TrainSettings['sizing'] })}>
            <option value="time">time budget (steps planned from the measured pace)</option>
            <option value="steps">epochs and steps</option>
          </select>
        </label>
        {f.sizing === 'time' ? (
          <NumberField testId="train-minutes" label="Time budget (minutes)" value={f.minutes} min={0.5} step={0.5} onChange={num('minutes')} />
        ) : (
          <>
            <NumberField testId="train-epochs" label="Epochs" value={f.epochs} min={1} onChange={num('epochs')} />
            <NumberField testId="train-steps" label="Steps / epoch" value={f.stepsPerEpoch} min={1} onChange={num('stepsPerEpoch')} />
          </>
        )}
        <NumberField testId="train-batch" label="Batch" value={f.batch} min={1} onChange={num('batch')} />
        <NumberField testId="train-patch" label="Patch (pixels)" value={f.patch} min={8} step={4} onChange={num('patch')} />
        <NumberField testId="train-preview" label="Preview every N steps (0 = off)" value={f.previewEvery} min={0} onChange={num('previewEvery')} />
      </div>
      {stepMeasured ? (
        (() => {
          const run = measuredRun(f, stepMeasured);
          return (
            <p data-testid="train-estimate" data-measured="step" data-seconds={Math.round(run.seconds)}>
              {f.sizing === 'time' ? `time budget · about ${run.steps} steps` : `${run.steps} steps`} · about <strong>{formatDuration(run.seconds)}</strong> (measured: {perStep(stepMeasured.secondsPerStep)} per step on this machine, {stepMeasured.engine})
            </p>
          );
        })()
      ) : (
        <p data-testid="train-estimate" data-measured={estimate.measured ? 'run' : 'guess'} data-seconds={Math.round(f.sizing === 'time' ? f.minutes * 60 : estimate.seconds)}>
          {f.sizing === 'time' ? (
            <>
              time budget · about <strong>{formatDuration(f.minutes * 60)}</strong>
            </>
          ) : (
            <>
              {f.epochs * f.stepsPerEpoch} steps · about <strong>{formatDuration(estimate.seconds)}</strong>
            </>
          )}{' '}
          {measuring
            ? '(measuring a few steps on this machine…)'
            : f.sizing === 'time'
              ? '(the steps are planned from the pace measured at the start)'
              : estimate.measured
                ? `(from the pace of the last run here, ${stepTiming?.backend}${stepTiming && Math.abs(stepTiming.work - stepWork(f)) > 1e-9 ? ', scaled to these settings' : ''})`
                : '(rough guess from the settings; a few steps are measured before Start)'}
        </p>
      )}
      {problem && (
        <p className="n2s-problem" data-testid="train-problem" role="alert">
          {problem}
        </p>
      )}
      <div className="n2s-buttons">
        <button type="button" className="primary" data-testid="train-start" disabled={!!problem || running} onClick={() => void start()}>
          Start
        </button>
        <button type="button" data-testid="train-pause" disabled={!running || job?.state === 'paused'} onClick={() => control('jobs:pause')}>
          Pause
        </button>
        <button type="button" data-testid="train-resume" disabled={job?.state !== 'paused'} onClick={() => control('jobs:resume')}>
          Resume
        </button>
        <button type="button" data-testid="train-cancel" disabled={!running} onClick={() => control('jobs:cancel')}>
          Cancel
        </button>
        <button type="button" data-testid="train-reset" disabled={running} title="put every training setting back to its default" onClick={() => setF(DEFAULT_TRAIN)}>
          Reset settings
        </button>
      </div>
      <div data-testid="train-status" data-state={shownState}>
        <progress data-testid="train-progress" max={totalSteps} value={v.step ?? 0} />
        <span>
          {` step ${v.step ?? 0}/${totalSteps} · epoch ${v.epoch ?? 0}/${epochsShown || '–'} · ETA ${eta(v.eta)} · ${shownState}${stoppedEarly ? ' (best model so far kept)' : ''}`}
        </span>
      </div>
      {lastVerdict && (
        <div className={`n2s-verdict n2s-verdict-${lastVerdict.level}`} data-testid="train-verdict" data-level={lastVerdict.level} role="status">
          <strong>Did it work?</strong> {lastVerdict.sentence}
          {lastVerdict.warnings.map((w) => (
            <div key={w} className="n2s-problem">
              {w}
            </div>
          ))}
        </div>
      )}
      <label className="n2s-check">
        <input type="checkbox" data-testid="loss-log" checked={logScale} onChange={(e) => setLogScale(e.target.checked)} /> log scale
      </label>
      {curves.steps.length === 0 && curves.epochs.length === 0 ? <p className="n2s-muted">The loss curve is drawn below from the first training step.</p> : null}
      {/* plotly owns this element's children: nothing of React's goes inside */}
      <div ref={lossRef} data-testid="loss-plot" className="n2s-plot" />
      <details data-testid="train-advanced">
        <summary>More settings: learning rate, validation, seed, engine</summary>
        <div className="n2s-grid2">
          <NumberField testId="train-lr" label="Learning rate" value={f.lr} step={0.0001} onChange={num('lr')} />
          <NumberField testId="train-val" label="Validation fraction" value={f.valFraction} step={0.05} min={0} max={0.9} onChange={num('valFraction')} />
          <NumberField testId="train-seed" label="Seed" value={f.seed} min={0} onChange={num('seed')} />
        </div>
        <label>
          Engine
          <select data-testid="train-engine" value={engine} onChange={(e) => setF({ engine: e.target.value as TrainSettings['engine'] })}>
            <option value="auto">auto (fastest available)</option>
            <option value="tfjs">TensorFlow.js</option>
            <option value="onnx">ONNX Runtime</option>
          </select>
        </label>
        <label>
          tfjs backend
          <select data-testid="train-backend" value={backend} onChange={(e) => setF({ backend: e.target.value as TrainSettings['backend'] })}>
            <option value="auto">auto</option>
            <option value="tensorflow-gpu" disabled={!tfjsOk('tensorflow-gpu')}>
              GPU (CUDA) via tfjs-node-gpu{tfjsOk('tensorflow-gpu') ? '' : ' — not available'}
            </option>
            <option value="tensorflow" disabled={!tfjsOk('tensorflow')}>
              CPU via tfjs-node{tfjsOk('tensorflow') ? '' : ' — not available'}
            </option>
            <option value="wasm" disabled={!tfjsOk('wasm')}>
              CPU (WASM)
            </option>
            <option value="cpu">CPU (pure JS, slow)</option>
          </select>
        </label>
        <p data-testid="train-engines">
          Available:{' '}
          {engines === null
            ? 'probing…'
            : engines
                .filter((e) => e.status === 'ok')
                .map((e) => `${e.engine}/${e.name}`)
                .join(', ') || 'none found'}
        </p>
        <p data-testid="train-active-engine">Active: {activeEngine || (running ? 'starting…' : '–')}</p>
        <div ref={lrRef} data-testid="lr-plot" className="n2s-plot" />
      </details>
      <ModelsList api={api} workspace={workspace} models={models} />
    </div>
  );
}

function ModelsList({ api, workspace, models }: SlotProps & { models: ModelEntry[] }) {
  const wf = workflowOf(workspace);
  const stacks = useWorkspace(workspace, (s) => s.stacks).filter(isImage);
  const [target, setTarget] = useState('');
  const [loadPath, setLoadPath] = useState('');
  const [savePath, setSavePath] = useState('');
  const stackId = target || stacksByRole(stacks).primary?.stackId || '';
  const apply = async (m: ModelEntry) => {
    try {
      const j = await runJob(api, 'denoise', { stackId, modelDir: m.modelDir });
      const t0 = performance.now();
      const r = await j.done;
      wf.set({ timings: { ...wf.snapshot.timings, denoising: (performance.now() - t0) / 1000 } });
      workspace.notify('info', `Denoised with ${m.name} → ${r.name}`);
    } catch (e) {
      reportStartError(workspace, 'Denoising', e);
    }
  };
  const save = async (m: ModelEntry) => {
    try {
      const j = await runJob(api, 'export', { what: 'model', modelDir: m.modelDir, path: savePath });
      const r = await j.done;
      workspace.notify('info', `Model saved to ${r.path}`);
    } catch (e) {
      reportStartError(workspace, 'Saving the model', e);
    }
  };
  return (
    <section data-testid="models-list">
      <h4>Models</h4>
      <StackSelect testId="models-target" label="Apply to stack" stacks={stacks} value={stackId} onChange={setTarget} />
      <label>
        Save to folder
        <input data-testid="models-save-path" value={savePath} onChange={(e) => setSavePath(e.target.value)} placeholder="/path/to/new-model-folder" />
      </label>
      <table className="n2s-table">
        <thead>
          <tr>
            <th>model</th>
            <th>config</th>
            <th>final loss</th>
            <th>best val.</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {models.map((m, i) => (
            <tr key={m.modelDir} data-testid={`model-row-${i}`}>
              <td title={m.modelDir}>
                {m.name}
                {m.loaded ? ' (loaded)' : ''}
              </td>
              <td>{m.summary ? `${m.summary.config.method} ${m.summary.layout.mode} K=${m.summary.layout.k}, ${m.summary.config.arch}×${m.summary.config.widthScale}, ${m.summary.history.length} ep.` : 'loaded folder'}</td>
              <td>{fmt(m.summary?.finalLoss, 4)}</td>
              <td>{fmt(m.summary?.bestValLoss, 4)}</td>
              <td>
                <button type="button" data-testid={`model-apply-${i}`} disabled={!stackId} onClick={() => void apply(m)}>
                  Apply
                </button>
                <button type="button" data-testid={`model-save-${i}`} disabled={!savePath} onClick={() => void save(m)}>
                  Save
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <label>
        Load a model folder
        <input data-testid="models-load-path" value={loadPath} onChange={(e) => setLoadPath(e.target.value)} placeholder="/path/to/model" />
      </label>
      <button
        type="button"
        data-testid="models-load"
        disabled={!loadPath}
        onClick={() =>
          void (async () => {
            try {
              const j = await runJob(api, 'model-info', { modelDir: loadPath });
              const summary = await j.done;
              wf.addModel({ modelDir: summary.modelDir, name: summary.name, summary, loaded: true });
              setLoadPath('');
            } catch (e) {
              reportStartError(workspace, 'Loading the model', e);
            }
          })()
        }
      >
        Load
      </button>
    </section>
  );
}

export const panel: PanelDef = { id: 'train', title: 'Train', order: 30, Component: TrainPanel };
