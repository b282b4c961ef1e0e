// i18n.js: every string of the page in English and Japanese, tooltips
// included, and number formatting. Pure: no DOM.

/** STRINGS holds the texts by language and key; "{name}" marks a value filled in by t(). */
export const STRINGS = {
  en: {
    'app.title': 'Learning-rate lab',
    'app.tagline': 'Watch gradient descent move across a loss surface, and see what the learning rate does to it.',
    'lang.switch': '日本語',
    'lang.switchTitle': 'Show this page in Japanese',
    'conn.connecting': 'Connecting…',
    'conn.online': 'Connected',
    'conn.offline': 'Connection lost; trying again…',
    'errors.title': 'Some settings in the link could not be used:',
    'errors.dismiss': 'Dismiss',
    'errors.server': 'The server refused a setting:',
    'errors.grid': 'The map could not be loaded.',
    'errors.catalog': 'The list of surfaces could not be loaded. Is the server running?',

    'transport.label': 'Playback',
    'transport.play': 'Play',
    'transport.pause': 'Pause',
    'transport.playTip': 'Start or pause every run (key: space)',
    'transport.step': 'Step',
    'transport.stepTip': 'Advance every run by one step (key: →)',
    'transport.reset': 'Reset',
    'transport.resetTip': 'Put every run back at its start point (key: R)',
    'transport.speed': 'Speed',
    'transport.speedTip': 'Steps per second for each run',
    'transport.speedMax': 'max',
    'transport.perSecond': '{n} steps/s',
    'transport.steps': 'Steps',
    'transport.stepsTip': 'How many steps each run takes',

    'surface.section': 'Loss surface',
    'surface.select': 'Surface',
    'surface.selectTip': 'The function the runs minimise',
    'surface.formula': 'Formula in x and y',
    'surface.formulaTip': 'For the custom surface: an expression in x and y, e.g. x^2 + 10*y^2',
    'surface.kind.game': 'Two-player game: x descends, y ascends',
    'surface.view': 'Reset view',
    'surface.viewTip': 'Show the surface’s own region again',
    'surface.shift': 'Test shift (dx, dy)',
    'surface.shiftTip': 'Adds a test loss: the same surface moved by this vector, like a validation set that differs a little from training',

    'presets.label': 'Lessons',
    'presets.choose': 'Open a lesson…',
    'presets.tip': 'Ready-made scenarios, one per idea',

    'run.section': 'Selected run',
    'run.none': 'Add a run to change its settings.',
    'run.optimizer': 'Optimizer',
    'run.optimizerTip': 'The update rule, with PyTorch’s semantics and parameter names',
    'run.lr': 'Learning rate',
    'run.lrTip': 'lr: how far each step moves along the (adapted) gradient. The slider is logarithmic, from 1e-5 to 10.',
    'run.lrLimit': 'Stability limit for plain gradient descent here: 2/λmax = {v}',
    'run.lrRatio': 'lr is {r}× that limit',
    'run.scheduler': 'Scheduler',
    'run.schedulerTip': 'How the LR changes over the steps (PyTorch’s lr_scheduler)',
    'run.preview': 'LR over the steps',
    'run.previewTip': 'The LR each step will use, computed before running',
    'run.noise': 'Gradient noise σ',
    'run.noiseTip': 'Adds σ·ε to each gradient, ε standard normal: a stand-in for mini-batch noise',
    'run.seed': 'Seed',
    'run.seedTip': 'Seed of the noise: the same seed gives the same trajectory',
    'run.label': 'Label',
    'run.labelTip': 'A name for this run in the legend and the charts',
    'run.start': 'Start point',
    'run.startTip': 'Click the map to move it (shift-click moves every run)',
    'run.optY': 'Optimizer of y',
    'run.optYTip': 'On a game, player y ascends with its own optimizer',
    'run.lrY': 'LR of y',
    'run.lrYTip': 'A separate learning rate for player y (as GANs often use for the discriminator)',
    'run.updates': 'Update order',
    'run.updatesTip': 'Simultaneous: both players use the same point; alternating: y sees x’s new value',
    'run.more': 'More settings',

    'legend.section': 'Runs',
    'legend.add': 'Add run',
    'legend.addTip': 'Add a run with the selected run’s settings',
    'legend.compare': 'Compare LRs',
    'legend.compareTip': 'Replace the runs by the selected one at 0.1×, 1× and 10× its learning rate',
    'legend.duplicate': 'Duplicate',
    'legend.duplicateTip': 'Add a copy of this run',
    'legend.remove': 'Remove',
    'legend.removeTip': 'Remove this run',
    'legend.select': 'Select run {n}',
    'legend.full': 'At most {n} runs',
    'legend.step': 'step',
    'legend.loss': 'loss',
    'legend.lrNow': 'LR',
    'legend.testLoss': 'test',
    'legend.run': 'run {n}',

    'status.idle': 'ready',
    'status.running': 'running',
    'status.completed': 'done',
    'status.converged': 'converged',
    'status.diverged': 'diverged at step {n}',
    'status.divergedWhy': 'diverged at step {n}: lr {lr} > 2/λmax {limit}',

    'map.label': 'Loss surface map with the runs’ trajectories',
    'map.hint': 'Click: start point of the selected run · Shift-click: all runs · Wheel or pinch: zoom · Drag: pan',
    'map.keys': 'Keys: space play/pause · → step · R reset',
    'map.minimum.global': 'global minimum',
    'map.minimum.local': 'local minimum',
    'map.minimum.sharp': 'sharp minimum',
    'map.minimum.flat': 'flat minimum',
    'map.minimum.saddle': 'saddle point',
    'map.minimum.equilibrium': 'equilibrium',
    'map.arrows': 'Arrows',
    'map.arrowsTip': 'At each run’s current point: the step plain gradient descent would take (−lr·∇f) and the optimizer’s momentum',
    'map.readout': 'x {x}, y {y}, loss {f}',

    'chart.loss': 'Loss',
    'chart.lossTip': 'Loss against step, logarithmic axis: a jagged curve means the LR is too large, a flat one that it is too small',
    'chart.lr': 'Learning rate',
    'chart.lrTip': 'The LR each step used, as the scheduler set it',
    'chart.grad': 'Gradient norm',
    'chart.gradTip': '‖∇f‖ at each point: it should shrink steadily',
    'chart.step': 'step',
    'chart.empty': 'Press Play to start',
    'chart.testDashed': 'dashed: test loss',

    'card.title': 'Typical starting LRs',
    'card.rows': [
      ['Classification, AdamW', '≈1e-3 (1e-4 if it diverges, 3e-3 if slow)'],
      ['CNN, SGD with momentum', '≈0.1 with decay; with Adam ≈1e-3'],
      ['Transformer fine-tuning', '1e-5 … 5e-5 with 5–10 % warm-up'],
      ['GAN', '≈1e-4, often a different LR for each network'],
      ['Diffusion model', '≈1e-4'],
    ],
    'card.note': 'A starting point only: the right value depends on the model, the data and the batch size.',

    'opt.sgd': 'SGD', 'opt.adam': 'Adam', 'opt.adamw': 'AdamW', 'opt.rmsprop': 'RMSprop', 'opt.adagrad': 'Adagrad',
    'sched.constant': 'Constant',
    'sched.step': 'Step decay (StepLR)',
    'sched.multistep': 'Decay at milestones (MultiStepLR)',
    'sched.exponential': 'Exponential decay (ExponentialLR)',
    'sched.cosine': 'Cosine annealing (CosineAnnealingLR)',
    'sched.cosine_restarts': 'Cosine with restarts (CosineAnnealingWarmRestarts)',
    'sched.linear': 'Linear (LinearLR)',
    'sched.warmup_cosine': 'Warm-up then cosine',
    'sched.onecycle': 'One cycle (OneCycleLR)',
    'sched.cyclic': 'Cyclic (CyclicLR)',

    'tip.lr': 'Learning rate',
    'tip.momentum': 'Momentum factor: how much of the previous step is kept',
    'tip.dampening': 'Dampening of the momentum: the share of the new gradient left out',
    'tip.nesterov': 'Nesterov momentum: look ahead along the momentum before taking the gradient',
    'tip.weight_decay': 'Weight decay: pulls the parameters towards 0 (decoupled in AdamW)',
    'tip.betas': 'betas: decay rates of the running mean of the gradient and of its square',
    'tip.eps': 'eps: added to the denominator to avoid dividing by zero',
    'tip.amsgrad': 'AMSGrad: use the largest squared-gradient average seen so far',
    'tip.alpha': 'alpha: smoothing constant of the squared-gradient average',
    'tip.centered': 'Centered: divide by an estimate of the gradient’s variance',
    'tip.lr_decay': 'lr_decay: the LR is divided by 1 + (t−1)·lr_decay',
    'tip.initial_accumulator_value': 'Starting value of the sum of squared gradients',
    'tip.step_size': 'Multiply the LR by gamma every step_size steps',
    'tip.gamma': 'gamma: the factor applied at each decay',
    'tip.milestones': 'Steps at which the LR is multiplied by gamma, separated by ;',
    'tip.T_max': 'T_max: steps from the full LR down to eta_min',
    'tip.eta_min': 'eta_min: the lowest LR',
    'tip.T_0': 'T_0: length of the first cycle before a restart',
    'tip.T_mult': 'T_mult: each cycle is this many times longer than the last',
    'tip.start_factor': 'start_factor: the LR starts at this fraction of lr',
    'tip.end_factor': 'end_factor: the fraction of lr reached at the end',
    'tip.total_iters': 'total_iters: steps taken to go from start_factor to end_factor',
    'tip.warmup_steps': 'warmup_steps: steps of linear warm-up before the cosine decay',
    'tip.max_lr': 'max_lr: the peak LR',
    'tip.total_steps': 'total_steps: the length of the cycle',
    'tip.pct_start': 'pct_start: the fraction of the cycle spent raising the LR',
    'tip.anneal_strategy': 'anneal_strategy: shape of the rise and fall (cos or linear)',
    'tip.div_factor': 'div_factor: the LR starts at max_lr / div_factor',
    'tip.final_div_factor': 'final_div_factor: the LR ends at the start LR / final_div_factor',
    'tip.three_phase': 'three_phase: fall back to the start LR before the final annealing',
    'tip.cycle_momentum': 'cycle_momentum: move momentum (or Adam’s beta1) opposite to the LR',
    'tip.base_momentum': 'base_momentum: the lowest momentum, at the LR’s peak',
    'tip.max_momentum': 'max_momentum: the highest momentum, at the start and the end',
    'tip.base_lr': 'base_lr: the lowest LR of the cycle',
    'tip.step_size_up': 'step_size_up: steps rising from base_lr to max_lr',
    'tip.step_size_down': 'step_size_down: steps falling back (empty: same as up)',
    'tip.mode': 'mode: triangular keeps the height, triangular2 halves it each cycle, exp_range shrinks it by gamma per step',
    'value.true': 'on',
    'value.false': 'off',
    'value.default': 'default {v}',
  },
  ja: {
    'app.title': '学習率ラボ',
    'app.tagline': '損失関数の地形の上を勾配降下が進むようすを見ながら、学習率の効き方を確かめます。',
    'lang.switch': 'English',
    'lang.switchTitle': '英語で表示する',
    'conn.connecting': '接続しています…',
    'conn.online': '接続済み',
    'conn.offline': '接続が切れました。再接続しています…',
    'errors.title': 'リンクの中に使えない設定がありました:',
    'errors.dismiss': '閉じる',
    'errors.server': 'サーバーが受け付けなかった設定:',
    'errors.grid': '地図を読み込めませんでした。',
    'errors.catalog': '損失関数の一覧を読み込めませんでした。サーバーは動いていますか?',

    'transport.label': '再生',
    'transport.play': '再生',
    'transport.pause': '一時停止',
    'transport.playTip': 'すべての実行を開始・一時停止します(スペースキー)',
    'transport.step': '1ステップ',
    'transport.stepTip': 'すべての実行を1ステップだけ進めます(→キー)',
    'transport.reset': 'リセット',
    'transport.resetTip': 'すべての実行を開始点に戻します(Rキー)',
    'transport.speed': '速さ',
    'transport.speedTip': '1つの実行が1秒に進むステップ数',
    'transport.speedMax': '最大',
    'transport.perSecond': '毎秒 {n} ステップ',
    'transport.steps': 'ステップ数',
    'transport.stepsTip': '各実行が進むステップの総数',

    'surface.section': '損失関数',
    'surface.select': '関数',
    'surface.selectTip': '実行が最小化する関数',
    'surface.formula': 'x と y の式',
    'surface.formulaTip': 'カスタム関数の式(例: x^2 + 10*y^2)',
    'surface.kind.game': '2人ゲーム: x は下り、y は上る',
    'surface.view': '表示を戻す',
    'surface.viewTip': 'この関数の標準の表示範囲に戻します',
    'surface.shift': 'テスト用のずれ (dx, dy)',
    'surface.shiftTip': '同じ地形をこのベクトルだけずらしたものをテスト損失にします。訓練データと少し違う検証データの代わりです',

    'presets.label': 'レッスン',
    'presets.choose': 'レッスンを開く…',
    'presets.tip': 'それぞれの考え方を確かめるための用意された設定',

    'run.section': '選択中の実行',
    'run.none': '実行を追加すると、ここで設定を変えられます。',
    'run.optimizer': '最適化手法',
    'run.optimizerTip': '更新の規則。PyTorch と同じ動作・同じパラメータ名です',
    'run.lr': '学習率',
    'run.lrTip': 'lr: 1回の更新で(調整後の)勾配に沿って進む大きさ。スライダーは対数目盛で 1e-5 から 10 まで',
    'run.lrLimit': 'この点での素朴な勾配降下の安定限界: 2/λmax = {v}',
    'run.lrRatio': 'lr はその限界の {r} 倍',
    'run.scheduler': 'スケジューラー',
    'run.schedulerTip': 'ステップとともに学習率をどう変えるか(PyTorch の lr_scheduler)',
    'run.preview': 'ステップごとの学習率',
    'run.previewTip': '各ステップで使われる学習率。実行前に計算しています',
    'run.noise': '勾配のノイズ σ',
    'run.noiseTip': '各勾配に σ·ε(ε は標準正規分布)を加えます。ミニバッチによるゆらぎの代わりです',
    'run.seed': 'シード',
    'run.seedTip': 'ノイズの乱数の種。同じシードなら同じ軌跡になります',
    'run.label': 'ラベル',
    'run.labelTip': '凡例とグラフに表示するこの実行の名前',
    'run.start': '開始点',
    'run.startTip': '地図をクリックすると移動します(Shift+クリックで全実行)',
    'run.optY': 'y の最適化手法',
    'run.optYTip': 'ゲームでは、プレイヤー y が自分の最適化手法で上っていきます',
    'run.lrY': 'y の学習率',
    'run.lrYTip': 'プレイヤー y だけの学習率(GAN で識別器に別の値を使うのと同じ考え方)',
    'run.updates': '更新の順序',
    'run.updatesTip': '同時: 両者が同じ点の勾配を使う/交互: y は x の更新後の値を見る',
    'run.more': 'その他の設定',

    'legend.section': '実行',
    'legend.add': '実行を追加',
    'legend.addTip': '選択中の実行と同じ設定で実行を追加します',
    'legend.compare': '学習率を比べる',
    'legend.compareTip': '選択中の実行を、学習率 0.1 倍・1 倍・10 倍の3つに置き換えます',
    'legend.duplicate': '複製',
    'legend.duplicateTip': 'この実行のコピーを追加します',
    'legend.remove': '削除',
    'legend.removeTip': 'この実行を削除します',
    'legend.select': '実行 {n} を選択',
    'legend.full': '実行は最大 {n} 個までです',
    'legend.step': 'ステップ',
    'legend.loss': '損失',
    'legend.lrNow': '学習率',
    'legend.testLoss': 'テスト',
    'legend.run': '実行 {n}',

    'status.idle': '待機中',
    'status.running': '実行中',
    'status.completed': '完了',
    'status.converged': '収束',
    'status.diverged': 'ステップ {n} で発散',
    'status.divergedWhy': 'ステップ {n} で発散: lr {lr} > 2/λmax {limit}',

    'map.label': '損失関数の地図と各実行の軌跡',
    'map.hint': 'クリック: 選択中の実行の開始点 · Shift+クリック: 全実行 · ホイール/ピンチ: 拡大縮小 · ドラッグ: 移動',
    'map.keys': 'キー: スペース 再生/停止 · → 1ステップ · R リセット',
    'map.minimum.global': '大域的最小値',
    'map.minimum.local': '局所的最小値',
    'map.minimum.sharp': '鋭い谷の最小値',
    'map.minimum.flat': '平らな谷の最小値',
    'map.minimum.saddle': '鞍点',
    'map.minimum.equilibrium': '均衡点',
    'map.arrows': '矢印',
    'map.arrowsTip': '各実行の現在地に、素朴な勾配降下が進む一歩(−lr·∇f)と最適化手法のモーメンタムを表示します',
    'map.readout': 'x {x}, y {y}, 損失 {f}',

    'chart.loss': '損失',
    'chart.lossTip': 'ステップごとの損失(対数目盛)。ギザギザなら学習率が大きすぎ、平らなら小さすぎのサインです',
    'chart.lr': '学習率',
    'chart.lrTip': '各ステップで使われた学習率(スケジューラーが決めた値)',
    'chart.grad': '勾配のノルム',
    'chart.gradTip': '各点での ‖∇f‖。順調なら着実に小さくなります',
    'chart.step': 'ステップ',
    'chart.empty': '再生を押すと始まります',
    'chart.testDashed': '破線: テスト損失',

    'card.title': 'よく使われる学習率の初期値',
    'card.rows': [
      ['分類、AdamW', '約 1e-3(発散したら 1e-4、遅ければ 3e-3)'],
      ['CNN、モーメンタム付き SGD', '約 0.1 から減衰。Adam なら約 1e-3'],
      ['Transformer の微調整', '1e-5〜5e-5、最初の 5〜10 % はウォームアップ'],
      ['GAN', '約 1e-4。2つのネットワークで別の値にすることが多い'],
      ['拡散モデル', '約 1e-4'],
    ],
    'card.note': 'あくまで出発点です。最適な値はモデル・データ・バッチサイズで変わります。',

    'opt.sgd': 'SGD', 'opt.adam': 'Adam', 'opt.adamw': 'AdamW', 'opt.rmsprop': 'RMSprop', 'opt.adagrad': 'Adagrad',
    'sched.constant': '一定',
    'sched.step': '段階的に減衰 (StepLR)',
    'sched.multistep': '指定ステップで減衰 (MultiStepLR)',
    'sched.exponential': '指数的に減衰 (ExponentialLR)',
    'sched.cosine': 'コサイン減衰 (CosineAnnealingLR)',
    'sched.cosine_restarts': '再始動つきコサイン (CosineAnnealingWarmRestarts)',
    'sched.linear': '線形 (LinearLR)',
    'sched.warmup_cosine': 'ウォームアップ後にコサイン減衰',
    'sched.onecycle': 'ワンサイクル (OneCycleLR)',
    'sched.cyclic': '周期的 (CyclicLR)',

    'tip.lr': '学習率',
    'tip.momentum': 'モーメンタム係数: 前回の一歩をどれだけ引き継ぐか',
    'tip.dampening': 'モーメンタムの減衰: 新しい勾配を取り込む割合を減らします',
    'tip.nesterov': 'ネステロフのモーメンタム: 慣性で進んだ先の勾配を使います',
    'tip.weight_decay': '重み減衰: パラメータを 0 に引き寄せます(AdamW では分離型)',
    'tip.betas': 'betas: 勾配の移動平均とその2乗の移動平均の減衰率',
    'tip.eps': 'eps: 0 で割らないよう分母に足す小さな値',
    'tip.amsgrad': 'AMSGrad: これまでで最大の2乗勾配平均を使います',
    'tip.alpha': 'alpha: 2乗勾配の移動平均の平滑化定数',
    'tip.centered': 'centered: 勾配の分散の推定値で割ります',
    'tip.lr_decay': 'lr_decay: 学習率を 1 + (t−1)·lr_decay で割ります',
    'tip.initial_accumulator_value': '2乗勾配の累積和の初期値',
    'tip.step_size': 'step_size ステップごとに学習率に gamma を掛けます',
    'tip.gamma': 'gamma: 減衰のたびに掛ける係数',
    'tip.milestones': '学習率に gamma を掛けるステップ(; で区切る)',
    'tip.T_max': 'T_max: 学習率が eta_min まで下がるのにかかるステップ数',
    'tip.eta_min': 'eta_min: 学習率の下限',
    'tip.T_0': 'T_0: 最初の再始動までの長さ',
    'tip.T_mult': 'T_mult: 周期が前回の何倍に伸びるか',
    'tip.start_factor': 'start_factor: 最初の学習率は lr のこの割合',
    'tip.end_factor': 'end_factor: 最後に到達する lr の割合',
    'tip.total_iters': 'total_iters: start_factor から end_factor まで変えるステップ数',
    'tip.warmup_steps': 'warmup_steps: コサイン減衰の前に線形に上げるステップ数',
    'tip.max_lr': 'max_lr: 学習率の最大値',
    'tip.total_steps': 'total_steps: サイクル全体の長さ',
    'tip.pct_start': 'pct_start: 学習率を上げる区間がサイクルに占める割合',
    'tip.anneal_strategy': 'anneal_strategy: 上げ下げの形(cos または linear)',
    'tip.div_factor': 'div_factor: 最初の学習率は max_lr / div_factor',
    'tip.final_div_factor': 'final_div_factor: 最後の学習率は最初の学習率 / final_div_factor',
    'tip.three_phase': 'three_phase: 最後の減衰の前に一度最初の学習率まで戻します',
    'tip.cycle_momentum': 'cycle_momentum: モーメンタム(Adam では beta1)を学習率と逆向きに動かします',
    'tip.base_momentum': 'base_momentum: モーメンタムの最小値(学習率が最大のとき)',
    'tip.max_momentum': 'max_momentum: モーメンタムの最大値(最初と最後)',
    'tip.base_lr': 'base_lr: サイクル内の学習率の最小値',
    'tip.step_size_up': 'step_size_up: base_lr から max_lr まで上げるステップ数',
    'tip.step_size_down': 'step_size_down: 下げるステップ数(空なら上げるときと同じ)',
    'tip.mode': 'mode: triangular は高さ一定、triangular2 は周期ごとに半分、exp_range はステップごとに gamma 倍',
    'value.true': 'オン',
    'value.false': 'オフ',
    'value.default': '既定値 {v}',
  },
};

/** LANGUAGES the page can show, with the name of each in itself. */
export const LANGUAGES = { en: 'English', ja: '日本語' };

/**
 * t returns the text of key in lang, falling back to English and then to
 * the key itself, with each "{name}" replaced by vars[name].
 */
export function t(lang, key, vars) {
  const table = STRINGS[lang] || STRINGS.en;
  let s = key in table ? table[key] : key in STRINGS.en ? STRINGS.en[key] : key;
  if (typeof s === 'string' && vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/** translator returns t bound to lang. */
export const translator = (lang) => (key, vars) => t(lang, key, vars);

/** has reports whether key exists in the English table. */
export const has = (key) => key in STRINGS.en;

/**
 * formatNum writes v for people: 4 significant digits, exponent form when
 * it is very small or large ("1.2e-5"), no trailing zeros, "−" for minus.
 */
export function formatNum(v, digits = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  let s;
  if (a >= 10 ** Math.max(digits, 5) || a < 1e-3) {
    s = v.toExponential(Math.max(0, digits - 2)).replace(/\.?0+e/, 'e').replace('e+', 'e');
  } else {
    s = a >= 10 ** digits ? String(Math.round(v)) : v.toPrecision(digits);
    if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  }
  return s.replace(/^-/, '−');
}

/**
 * formatTick writes an axis value: powers of ten far from 1 as "1e-6",
 * everything else as formatNum does with few digits.
 */
export function formatTick(v) {
  if (v > 0) {
    const e = Math.round(Math.log10(v));
    if (Math.abs(e) >= 4 && Math.abs(v / 10 ** e - 1) < 1e-9) return `1e${e}`;
  }
  return formatNum(v, 3);
}

/** formatInt writes a whole number with thousands separators. */
export function formatInt(n, lang = 'en') {
  if (!Number.isFinite(n)) return '–';
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
