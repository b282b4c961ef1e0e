package scenario

// researchLesson is the Lesson number of the presets beyond the source
// article: the learning-rate phenomena of current research (issue 16),
// shown after its ten ideas.
const researchLesson = 11

// researchPresetDefs are the research lessons, each citing its paper.
// Each promise in the text is an expectation that TestPresets checks by
// running the preset.
var researchPresetDefs = []presetDef{
	{
		id: "edge-of-stability", lesson: researchLesson,
		scenario: `{"surface":{"name":"eos"},"steps":3000,"runs":[
			{"label":"LR 0.1","start":[4,0.1],"optimizer":{"name":"sgd","lr":0.1}},
			{"label":"LR 0.05","start":[4,0.1],"optimizer":{"name":"sgd","lr":0.05}}]}`,
		title: [2]string{"At the edge of stability", "安定性の縁で進む勾配降下"},
		summary: [2]string{
			"Every point of the curve x·y = 1 is a minimum, sharper the farther out it lies. Gradient descent at LR 0.1 sharpens past 2/lr = 20 at once, then rides the edge: on the sharpness chart the solid line stays near the dashed 2/lr while the loss falls in fits and starts, and the run stops at a minimum just below 20 (the edge of stability of Cohen et al., 2021, in the two-parameter example of Zhu et al., 2022). From the same start LR 0.05 never reaches its edge of 40 and stops at a sharper minimum.",
			"曲線 x·y = 1 上の点はすべて最小点で、外側ほど鋭くなります。学習率 0.1 の勾配降下は、すぐに鋭さが 2/lr = 20 を超え、そのあとは縁に沿って進みます。鋭さのグラフでは実線が破線 2/lr の近くにとどまり、損失は上下しながら下がり、最後は 20 のすぐ下の最小点で止まります(Cohen ら 2021 の「安定性の縁」を、Zhu ら 2022 の 2 変数の例で見ています)。同じ点から学習率 0.05 で始めると縁の 40 には届かず、より鋭い最小点で止まります。",
		},
		expect: []Expectation{
			{Kind: ExpectCrossesEdge, Run: 0, Value: 1},
			{Kind: ExpectHovers, Run: 0, Value: 0.2, Window: [2]float64{0.25, 0.75}},
			{Kind: ExpectRises, Run: 0, Value: 10},
			{Kind: ExpectAtEdge, Run: 0, Value: 0.1},
			{Kind: ExpectReaches, Run: 0, Value: 1e-6},
			{Kind: ExpectReaches, Run: 1, Value: 1e-6},
			{Kind: ExpectSharperThan, Run: 1, Other: 0},
		},
	},
	{
		id: "catapult", lesson: researchLesson,
		scenario: `{"surface":{"name":"uv"},"steps":300,"runs":[
			{"label":"LR 0.1","start":[4,0.1],"optimizer":{"name":"sgd","lr":0.1}},
			{"label":"LR 0.2","start":[4,0.1],"optimizer":{"name":"sgd","lr":0.2}},
			{"label":"LR 0.26","start":[4,0.1],"optimizer":{"name":"sgd","lr":0.26}}]}`,
		title: [2]string{"The catapult", "カタパルト"},
		summary: [2]string{
			"The minima of ½(x·y − 1)² form a valley that is flat near (1, 1) and sharp far out; the one nearest the start has sharpness λ₀ ≈ 16, so 2/λ₀ ≈ 0.125. At LR 0.1 the run slides into it; at 0.2 the loss first shoots up, and the run is thrown to a flatter part of the valley where 0.2 is stable; at 0.26 it diverges. These are the three regimes of Lewkowycz et al., 2020, \"The large learning rate phase of deep learning: the catapult mechanism\".",
			"½(x·y − 1)² の最小点は、(1, 1) の近くでは平らで、外側ほど鋭い谷をなします。出発点にいちばん近い最小点の鋭さは λ₀ ≈ 16 なので、2/λ₀ ≈ 0.125 です。学習率 0.1 ではそのまま滑り込み、0.2 では損失がいったん跳ね上がってから、0.2 でも安定な平らな所へ投げ出されます。0.26 では発散します。Lewkowycz ら 2020 の「カタパルト機構」が示した 3 つの領域です。",
		},
		expect: []Expectation{
			{Kind: ExpectNoSpike, Run: 0},
			{Kind: ExpectReaches, Run: 0, Value: 1e-6},
			{Kind: ExpectSpikes, Run: 1, Value: 10},
			{Kind: ExpectReaches, Run: 1, Value: 1e-6},
			{Kind: ExpectAtEdge, Run: 1, Value: 1},
			{Kind: ExpectFlatterThan, Run: 1, Other: 0},
			{Kind: ExpectDiverges, Run: 2},
		},
	},
	{
		id: "warmup-sharpness", lesson: researchLesson,
		scenario: `{"surface":{"name":"uv"},"steps":300,"runs":[
			{"label":"no warmup","start":[4,0.1],"optimizer":{"name":"sgd","lr":0.3},"noise":0.001,"seed":1},
			{"label":"100 steps of warmup","start":[4,0.1],"optimizer":{"name":"sgd","lr":0.3},"scheduler":{"name":"linear","start_factor":0.01,"end_factor":1,"total_iters":100},"noise":0.001,"seed":1}]}`,
		title: [2]string{"Why warm up: the sharpness comes down", "なぜウォームアップするのか: 鋭さが下がる"},
		summary: [2]string{
			"Both runs aim at LR 0.3 from a sharp part of the valley, with a little gradient noise as minibatches give. Without warmup the first steps overshoot and the run diverges. Raising the LR over 100 steps lets the run settle first; each time the LR passes 2/λmax it is thrown to flatter ground, so the sharpness chart falls during the warmup and ends below 2/lr (Kalra & Barkeshli, 2024, \"Why warmup the learning rate?\").",
			"どちらの実行も、谷の鋭い所から学習率 0.3 を目指します。ミニバッチのようなわずかな勾配ノイズを加えています。ウォームアップなしでは最初の数ステップで行き過ぎて発散します。100 ステップかけて学習率を上げると、まず谷に落ち着き、学習率が 2/λmax を超えるたびに平らな所へ投げ出されます。そのため鋭さのグラフはウォームアップ中に下がり、終わるころには 2/lr を下回ります(Kalra と Barkeshli 2024「なぜ学習率をウォームアップするのか」)。",
		},
		expect: []Expectation{
			{Kind: ExpectDiverges, Run: 0},
			{Kind: ExpectReaches, Run: 1, Value: 1e-4},
			{Kind: ExpectStableAt, Run: 1, Value: 100},
		},
	},
	{
		id: "wsd", lesson: researchLesson,
		scenario: `{"surface":{"name":"river"},"steps":600,"runs":[
			{"label":"constant","optimizer":{"name":"sgd","lr":0.1},"noise":0.5,"seed":1},
			{"label":"cosine","optimizer":{"name":"sgd","lr":0.1},"scheduler":{"name":"cosine","T_max":600},"noise":0.5,"seed":1},
			{"label":"WSD","optimizer":{"name":"sgd","lr":0.1},"scheduler":{"name":"wsd","warmup_steps":0,"decay_steps":120,"decay_shape":"1-sqrt"},"noise":0.5,"seed":1}]}`,
		title: [2]string{"Warmup–stable–decay on a river valley", "川の谷でのウォームアップ・安定・減衰"},
		summary: [2]string{
			"A steep valley across, a gentle river along it, and noisy gradients: at LR 0.1 the runs bounce across the river on a high plateau of loss while they travel down it. WSD keeps the full LR for 80 % of the run, so it travels as far as the constant LR, then decays it in the last 120 steps: its loss drops more than tenfold and ends far below the cosine schedule, which slowed down before reaching the end of the river (Hägele et al., 2024; Wen et al., 2024).",
			"横方向は急な谷、縦方向はゆるやかな川で、勾配にはノイズがあります。学習率 0.1 では、川を下りながら谷の両岸を跳ね回るので、損失は高い台地にとどまります。WSD は実行の 80 % のあいだ学習率を最大のまま保つので、一定の学習率と同じだけ川を下り、最後の 120 ステップで学習率を下げます。すると損失は 10 分の 1 以下に落ち、川の終わりに着く前に減速してしまうコサインよりずっと低く終わります(Hägele ら 2024、Wen ら 2024)。",
		},
		expect: []Expectation{
			{Kind: ExpectDrops, Run: 2, Value: 10, Window: [2]float64{380.0 / 600, 479.0 / 600}},
			{Kind: ExpectLowerThan, Run: 2, Other: 1},
			{Kind: ExpectLowerThan, Run: 2, Other: 0},
		},
	},
	{
		id: "silver-steps", lesson: researchLesson,
		scenario: `{"surface":{"name":"quadratic","a":1,"b":100},"steps":127,"runs":[
			{"label":"constant 1/L","optimizer":{"name":"sgd","lr":0.01}},
			{"label":"silver steps","optimizer":{"name":"sgd","lr":0.01},"scheduler":{"name":"silver"}}]}`,
		title: [2]string{"Silver steps: sometimes far too large, yet faster", "シルバー刻み幅: ときどき大きすぎても速い"},
		summary: [2]string{
			"On a bowl whose largest curvature is L = 100, the constant step 1/L = 0.01 is the textbook choice. The silver schedule multiplies it by 1 + ρ^(ν(i)−1), with ρ = 1 + √2 and ν(i) the number of times 2 divides the step number i: mostly √2 or 2, but now and then far above 2/L, up to 83/L here. After 127 = 2⁷ − 1 steps its loss is hundreds of times lower (Altschuler & Parrilo, 2023, \"Acceleration by stepsize hedging\").",
			"最大曲率が L = 100 のお椀では、一定の刻み幅 1/L = 0.01 が教科書どおりの選び方です。シルバースケジュールはこれに 1 + ρ^(ν(i)−1) を掛けます。ρ = 1 + √2、ν(i) はステップ番号 i を 2 で割り切れる回数です。ほとんどは √2 倍か 2 倍ですが、ときどき 2/L をはるかに超え、ここでは最大 83/L になります。それでも 127 = 2⁷ − 1 ステップ後の損失は数百分の 1 になります(Altschuler と Parrilo 2023「刻み幅のヘッジによる加速」)。",
		},
		expect: []Expectation{
			{Kind: ExpectLowerBy, Run: 1, Other: 0, Value: 100},
			{Kind: ExpectPastLimit, Run: 1},
		},
	},
	{
		id: "adam-edge", lesson: researchLesson,
		scenario: `{"surface":{"name":"rosenbrock"},"steps":4000,"runs":[
			{"label":"Adam 0.01","optimizer":{"name":"adam","lr":0.01,"betas":[0.9,0.99]}}]}`,
		title: [2]string{"Adam at its own edge", "Adam の安定性の縁"},
		summary: [2]string{
			"Adam divides each step by √v̂ + ε, so its stability depends on the preconditioned sharpness λ₁(P⁻¹H) rather than on λmax, and its limit is (2 + 2β₁)/((1 − β₁)·lr) = 38/lr at β₁ = 0.9. As the gradients shrink near the minimum, v̂ shrinks too, the preconditioned sharpness rises to 38/lr, and then hovers there while the run jitters about the minimum (Cohen et al., 2022, \"Adaptive gradient methods at the edge of stability\"). The sharpness chart draws it against 38/lr.",
			"Adam は一歩ごとに √v̂ + ε で割るので、安定性を決めるのは λmax ではなく前処理付きの鋭さ λ₁(P⁻¹H) で、その限界は β₁ = 0.9 のとき (2 + 2β₁)/((1 − β₁)·lr) = 38/lr です。最小点の近くで勾配が小さくなると v̂ も小さくなり、前処理付きの鋭さは 38/lr まで上がって、そのあたりにとどまります。実行は最小点のまわりで小刻みに揺れ続けます(Cohen ら 2022「適応的勾配法も安定性の縁で動く」)。鋭さのグラフでは 38/lr と並べて描きます。",
		},
		expect: []Expectation{
			{Kind: ExpectRisesToEdge, Run: 0, Value: 0.9, Window: [2]float64{0.5, 1}},
			{Kind: ExpectSettles, Run: 0, Value: 0.2, Window: [2]float64{0.5, 1}},
		},
	},
}
