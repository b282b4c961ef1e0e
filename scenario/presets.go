package scenario

import "slices"

// Preset is a ready-made scenario for one lesson of docs (LESSON.md), with
// its title and a short text of what to look for, in English and Japanese.
type Preset struct {
	ID       string            // short name used in links: /p/{ID}
	Title    map[string]string // by language: "en", "ja"
	Summary  map[string]string // two or three sentences of what to look for, by language
	Scenario Scenario
	Lesson   int           // the row of LESSON.md it illustrates, 1 … 10; 11 for the research lessons beyond it
	Number   int           // its place in the order of the lessons, 1 … len(Presets()): the number the page shows
	Expect   []Expectation // what the text promises; scenariotest.Check verifies it
	// Questions are ready classroom questions (presets_questions.go),
	// answered by the simulation.
	Questions []Question
}

// presetDef is a preset with its scenario still as JSON.
type presetDef struct {
	id       string
	lesson   int
	scenario string
	title    [2]string // en, ja
	summary  [2]string // en, ja
	expect   []Expectation
}

// Presets returns the presets, at least one per row of LESSON.md, in the
// order of the lessons (by Lesson, then as defined), numbered 1 … N in that
// order. Each call returns fresh values the caller may change.
func Presets() []Preset {
	defs := slices.Concat(presetDefs, researchPresetDefs, dataPresetDefs) // presets_research.go, presets_data.go
	out := make([]Preset, len(defs))
	for i, d := range defs {
		s, err := Decode([]byte(d.scenario), DefaultLimits)
		if err != nil {
			panic("scenario: preset " + d.id + ": " + err.Error())
		}
		out[i] = Preset{
			ID:       d.id,
			Title:    map[string]string{"en": d.title[0], "ja": d.title[1]},
			Summary:  map[string]string{"en": d.summary[0], "ja": d.summary[1]},
			Scenario: s,
			Lesson:   d.lesson,
			Expect:   append([]Expectation(nil), d.expect...),
		}
		out[i].Questions = questionsOf(d.id)
	}
	slices.SortStableFunc(out, func(a, b Preset) int { return a.Lesson - b.Lesson })
	for i := range out {
		out[i].Number = i + 1
	}
	return out
}

// PresetByID returns the preset with the given ID.
func PresetByID(id string) (Preset, bool) {
	for _, p := range Presets() {
		if p.ID == id {
			return p, true
		}
	}
	return Preset{}, false
}

var presetDefs = []presetDef{
	{
		id: "lr-slider", lesson: 1,
		scenario: `{"surface":{"name":"quadratic"},"steps":200,"runs":[
			{"label":"SGD","optimizer":{"name":"sgd","lr":0.05}}]}`,
		title: [2]string{"One knob: the learning rate", "学習率というひとつのつまみ"},
		summary: [2]string{
			"Gradient descent on a bowl with one learning rate. Drag the LR slider while the run is going: each step moves by the gradient times the LR, so a larger value takes longer strides and a smaller one creeps. The path and the loss curve change at once.",
			"お椀形の損失面で勾配降下法を動かします。実行中に学習率のスライダーを動かしてみてください。1 ステップの移動量は「勾配 × 学習率」なので、値を上げれば歩幅が広がり、下げれば小刻みになります。軌跡と損失曲線がその場で変わるのがわかります。",
		},
		expect: []Expectation{{Kind: ExpectReaches, Run: 0, Value: 1e-6}},
	},
	{
		id: "too-large", lesson: 2,
		scenario: `{"surface":{"name":"quadratic","a":1,"b":10},"steps":200,"runs":[
			{"label":"LR 0.19","optimizer":{"name":"sgd","lr":0.19}},
			{"label":"LR 0.21","optimizer":{"name":"sgd","lr":0.21}}]}`,
		title: [2]string{"Just under and just over 2/λmax", "安定限界 2/λmax の手前と向こう側"},
		summary: [2]string{
			"The bowl's steepest curvature is λmax = 10, so plain gradient descent is stable only for LR < 2/λmax = 0.2. At 0.19 the path zig-zags across the valley yet settles at the minimum; at 0.21 every bounce overshoots a little more until the run leaves the map and is marked diverged.",
			"このお椀のいちばん急な方向の曲率は λmax = 10 なので、素の勾配降下法が安定するのは学習率が 2/λmax = 0.2 より小さいときだけです。0.19 では谷を左右に行き来しながらも最小点に収まりますが、0.21 では跳ね返るたびに振れ幅が広がり、やがてマップの外へ飛び出して「発散」と表示されます。",
		},
		expect: []Expectation{
			{Kind: ExpectZigzags, Run: 0},
			{Kind: ExpectReaches, Run: 0, Value: 1e-6},
			{Kind: ExpectZigzags, Run: 1},
			{Kind: ExpectDiverges, Run: 1},
		},
	},
	{
		id: "too-small", lesson: 3,
		scenario: `{"surface":{"name":"quadratic"},"steps":200,"runs":[
			{"label":"LR 0.0001","optimizer":{"name":"sgd","lr":0.0001}},
			{"label":"LR 0.1","optimizer":{"name":"sgd","lr":0.1}}]}`,
		title: [2]string{"A learning rate that crawls", "小さすぎて進まない学習率"},
		summary: [2]string{
			"With LR 0.0001 each step is so short that after 200 steps the run has barely left its start, and the loss curve is almost flat. On the same bowl, LR 0.1 reaches the minimum well within the budget.",
			"学習率 0.0001 では一歩があまりに短く、200 ステップたってもスタート地点からほとんど動かず、損失曲線もほぼ横ばいです。同じお椀でも学習率 0.1 なら、決められたステップ数の中で余裕をもって最小点にたどり着きます。",
		},
		expect: []Expectation{
			{Kind: ExpectCrawls, Run: 0, Value: 0.5},
			{Kind: ExpectReaches, Run: 1, Value: 1e-6},
		},
	},
	{
		id: "local-minimum", lesson: 3,
		scenario: `{"surface":{"name":"local_minimum"},"steps":200,"runs":[
			{"label":"LR 0.05","optimizer":{"name":"sgd","lr":0.05}},
			{"label":"LR 0.5","optimizer":{"name":"sgd","lr":0.5}}]}`,
		title: [2]string{"Stuck in a shallow valley", "浅いくぼみに捕まる"},
		summary: [2]string{
			"A shallow valley crosses the way to the global minimum. With LR 0.05 the run slides into it and stays there; with LR 0.5 the steps are long enough to pass over the valley and reach the global minimum on the right.",
			"本当の最小点へ向かう途中に、浅い谷が横切っています。学習率 0.05 ではその谷に落ちたまま抜け出せませんが、0.5 なら歩幅が大きいので谷を飛び越え、右側にある本当の最小点まで進みます。",
		},
		expect: []Expectation{
			{Kind: ExpectEndsIn, Run: 0, Label: "local"},
			{Kind: ExpectEndsIn, Run: 1, Label: "global"},
		},
	},
	{
		id: "lr-finder", lesson: 4,
		scenario: `{"surface":{"name":"quadratic"},"steps":200,"runs":[
			{"label":"LR 0.0001","optimizer":{"name":"sgd","lr":0.0001}}]}`,
		title: [2]string{"Let the LR range test choose", "LR レンジテストに選ばせる"},
		summary: [2]string{
			"This run starts with an LR that is far too small. Press the LR finder: it raises the LR exponentially from 1e-7 while recording the loss, and marks where the loss falls fastest before it blows up. Use the suggested LR and compare with the run you started from.",
			"この実行はかなり小さすぎる学習率から始まります。「LR ファインダー」を押すと、学習率を 1e-7 から指数的に上げながら損失を記録し、損失が跳ね上がる手前で最も速く下がっている所に印をつけます。提案された値を使って、元の実行と比べてみましょう。",
		},
		expect: []Expectation{{Kind: ExpectFinderWorks, Run: 0}},
	},
	{
		id: "schedulers", lesson: 5,
		scenario: `{"surface":{"name":"quadratic"},"steps":300,"runs":[
			{"label":"constant","optimizer":{"name":"sgd","lr":0.15},"noise":1,"seed":1},
			{"label":"step","optimizer":{"name":"sgd","lr":0.15},"scheduler":{"name":"step","step_size":75,"gamma":0.3},"noise":1,"seed":1},
			{"label":"exponential","optimizer":{"name":"sgd","lr":0.15},"scheduler":{"name":"exponential","gamma":0.99},"noise":1,"seed":1},
			{"label":"cosine","optimizer":{"name":"sgd","lr":0.15},"scheduler":{"name":"cosine","T_max":300},"noise":1,"seed":1},
			{"label":"warmup + cosine","optimizer":{"name":"sgd","lr":0.15},"scheduler":{"name":"warmup_cosine","warmup_steps":30},"noise":1,"seed":1},
			{"label":"one-cycle","optimizer":{"name":"sgd","lr":0.15},"scheduler":{"name":"onecycle","max_lr":0.15,"cycle_momentum":false},"noise":1,"seed":1}]}`,
		title: [2]string{"Don't keep the LR fixed", "学習率を固定しない"},
		summary: [2]string{
			"Six runs from the same start, with the same noisy gradients and the same peak LR: constant, step decay, exponential decay, cosine, warmup then cosine, and one-cycle. Each run's LR curve is drawn before it starts. The constant run keeps rattling around the minimum, while every schedule that lowers the LR towards the end settles much closer to it.",
			"同じ出発点・同じノイズ入りの勾配・同じ最大学習率で、一定、ステップ減衰、指数減衰、コサイン、ウォームアップ＋コサイン、ワンサイクルの 6 つを並べています。学習率の推移は実行前からグラフで確認できます。一定のままだと最小点のまわりでいつまでもガタつきますが、終盤に学習率を下げるスケジュールはどれも最小点のすぐ近くに落ち着きます。",
		},
		expect: []Expectation{
			{Kind: ExpectLowerThan, Run: 1, Other: 0},
			{Kind: ExpectLowerThan, Run: 2, Other: 0},
			{Kind: ExpectLowerThan, Run: 3, Other: 0},
			{Kind: ExpectLowerThan, Run: 4, Other: 0},
			{Kind: ExpectLowerThan, Run: 5, Other: 0},
		},
	},
	{
		id: "warmup", lesson: 5,
		scenario: `{"surface":{"name":"himmelblau"},"steps":200,"runs":[
			{"label":"no warmup","start":[4.5,4.5],"optimizer":{"name":"sgd","lr":0.03}},
			{"label":"20 steps of warmup","start":[4.5,4.5],"optimizer":{"name":"sgd","lr":0.03},"scheduler":{"name":"warmup_cosine","warmup_steps":20}}]}`,
		title: [2]string{"Warmup survives a steep start", "ウォームアップで急斜面を乗り切る"},
		summary: [2]string{
			"Both runs start high on a steep wall of Himmelblau's function, where the curvature is far larger than near its minima. At a constant LR of 0.03 the first steps overshoot and the run diverges. Raising the LR linearly to the same 0.03 over 20 steps (then cosine decay) lets the run first walk down to gentler ground, and it converges.",
			"どちらもヒンメルブラウ関数の急な壁の上から出発します。ここの曲率は最小点付近よりずっと大きいため、最初から学習率 0.03 で進むと数ステップで行き過ぎて発散します。同じ 0.03 まで 20 ステップかけて直線的に上げ、その後コサインで下げていくと、まずなだらかな所まで下りてから無事に収束します。",
		},
		expect: []Expectation{
			{Kind: ExpectDiverges, Run: 0},
			{Kind: ExpectReaches, Run: 1, Value: 1e-6},
			{Kind: ExpectConverges, Run: 1},
		},
	},
	{
		id: "optimizers", lesson: 6,
		scenario: `{"surface":{"name":"rotated_bowl"},"steps":200,"runs":[
			{"label":"SGD","optimizer":{"name":"sgd","lr":0.05}},
			{"label":"SGD + momentum 0.9","optimizer":{"name":"sgd","lr":0.05,"momentum":0.9}},
			{"label":"Adam","optimizer":{"name":"adam","lr":0.05}},
			{"label":"AdamW, weight decay 0.5","optimizer":{"name":"adamw","lr":0.05,"weight_decay":0.5}}]}`,
		title: [2]string{"SGD, momentum, Adam and AdamW in a narrow valley", "細い谷で SGD・モーメンタム・Adam・AdamW を比べる"},
		summary: [2]string{
			"A long valley tilted by 30°, with curvature 50 across it and 1 along it, so plain SGD is stable only below LR 0.04. All four optimizers start from the same point with LR 0.05: plain SGD blows up, momentum copes and gets down to the valley floor, and Adam, which scales each coordinate's step by its own gradient history, walks down calmly. AdamW is Adam with decoupled weight decay (0.5 here, large so that it shows), which pulls the point towards zero, here the minimum, so its path leaves Adam's and ends lower.",
			"30° 傾いた細長い谷で、谷を横切る向きの曲率は 50、谷に沿った向きは 1 です。素の SGD が安定なのは学習率 0.04 未満まで。4 つとも同じ出発点から学習率 0.05 で動かすと、SGD は発散し、モーメンタム付きは持ちこたえて谷底まで下ります。Adam は座標ごとに過去の勾配の大きさで歩幅を調整するので、落ち着いて谷を下っていきます。AdamW は Adam に分離型の重み減衰(違いが見えるよう大きめの 0.5)を加えたもので、点を 0、つまりこの面の最小点へ引き寄せるため、Adam の軌跡から離れて、より低い損失で終わります。",
		},
		expect: []Expectation{
			{Kind: ExpectDiverges, Run: 0},
			{Kind: ExpectReaches, Run: 1, Value: 1e-3},
			{Kind: ExpectReaches, Run: 2, Value: 1},
			{Kind: ExpectReaches, Run: 3, Value: 1},
			{Kind: ExpectLowerThan, Run: 3, Other: 2},
			{Kind: ExpectApart, Run: 3, Other: 2, Value: 0.5},
		},
	},
	{
		id: "sgd-vs-adam-lr", lesson: 6,
		scenario: `{"surface":{"name":"rotated_bowl"},"steps":200,"runs":[
			{"label":"SGD 0.03","optimizer":{"name":"sgd","lr":0.03}},
			{"label":"SGD 0.3","optimizer":{"name":"sgd","lr":0.3}},
			{"label":"SGD 3","optimizer":{"name":"sgd","lr":3}},
			{"label":"Adam 0.03","optimizer":{"name":"adam","lr":0.03}},
			{"label":"Adam 0.3","optimizer":{"name":"adam","lr":0.3}},
			{"label":"Adam 3","optimizer":{"name":"adam","lr":3}}]}`,
		title: [2]string{"SGD's narrow band, Adam's wide one", "SGD の狭い許容範囲、Adam の広い許容範囲"},
		summary: [2]string{
			"The same three LRs, ten times apart, for SGD and for Adam in the narrow valley. SGD gets down at 0.03 and blows up at 0.3 and 3. Adam's step hardly depends on how large the gradient is, so it gets down at all three; the LR still sets how fast it goes and how close it settles, so the starting value matters. The LR sweep shows both bands at a glance.",
			"細い谷で、10 倍ずつ離れた同じ 3 つの学習率を SGD と Adam に与えます。SGD は 0.03 では谷底まで下りますが、0.3 と 3 では発散します。Adam は歩幅が勾配の大きさにほとんど左右されないため、3 つとも谷底まで下りられます。それでも進む速さや最後にどこまで近づけるかは学習率しだいなので、初期値の選び方は大切です。LR スイープを使えば、両者の許容範囲の違いがひと目でわかります。",
		},
		expect: []Expectation{
			{Kind: ExpectReaches, Run: 0, Value: 1e-4},
			{Kind: ExpectDiverges, Run: 1},
			{Kind: ExpectDiverges, Run: 2},
			{Kind: ExpectReaches, Run: 3, Value: 1},
			{Kind: ExpectReaches, Run: 4, Value: 1e-3},
			{Kind: ExpectReaches, Run: 5, Value: 1e-3},
		},
	},
	{
		id: "gan-game", lesson: 7,
		scenario: `{"surface":{"name":"bilinear"},"steps":200,"runs":[
			{"label":"equal LRs (simultaneous)","optimizer":{"name":"sgd","lr":0.1}},
			{"label":"equal LRs (alternating)","optimizer":{"name":"sgd","lr":0.1},"updates":"alternating"},
			{"label":"y at 0.02 (simultaneous)","optimizer":{"name":"sgd","lr":0.1},"optimizer_y":{"lr":0.02}}]}`,
		title: [2]string{"Two players: simultaneous steps spiral out", "2 人のゲーム：同時更新は外へ渦を巻く"},
		summary: [2]string{
			"On f = x·y, x tries to lower f while y tries to raise it, like a GAN's generator and discriminator. With equal LRs and simultaneous updates every step pushes both players a little outward, and the path spirals away from the equilibrium at the centre. Alternating updates circle it instead, and a smaller LR for y slows the spiral down.",
			"f = x·y の上で、x は f を下げようとし、y は上げようとします。GAN の生成器と識別器の関係と同じ構図です。同じ学習率で同時に更新すると、一歩ごとに少しずつ外側へずれて、中心の均衡点から渦を巻きながら離れていきます。交互に更新すると均衡点のまわりを回り続け、y の学習率を小さくすると渦の広がりがゆっくりになります。",
		},
		expect: []Expectation{
			{Kind: ExpectSpiralsOut, Run: 0, Value: 2},
			{Kind: ExpectStaysNear, Run: 1, Value: 1.5},
			{Kind: ExpectFartherThan, Run: 0, Other: 2},
		},
	},
	{
		id: "gan-two-lrs", lesson: 7,
		scenario: `{"surface":{"name":"stable_game"},"steps":200,"runs":[
			{"label":"both 0.7","optimizer":{"name":"sgd","lr":0.7}},
			{"label":"x at 0.7 and y at 0.1","optimizer":{"name":"sgd","lr":0.7},"optimizer_y":{"lr":0.1}},
			{"label":"both 0.3","optimizer":{"name":"sgd","lr":0.3}}]}`,
		title: [2]string{"A learning rate for each player", "プレイヤーごとに学習率を変える"},
		summary: [2]string{
			"This game pulls both players towards its equilibrium, yet with equal LRs of 0.7 the simultaneous updates overshoot and spiral out. Keep x at 0.7 and give y a much smaller LR of 0.1, the way GAN recipes often use different LRs for generator and discriminator, and the same game converges. Equal but smaller LRs (0.3) also close in on the equilibrium, more slowly.",
			"このゲームには均衡点へ引き戻す力がありますが、両者とも学習率 0.7 で同時に更新すると行き過ぎて、外へ渦を巻いてしまいます。x は 0.7 のまま y だけ 0.1 に下げると、同じゲームでも収束します。GAN で生成器と識別器の学習率を分けるのと同じ考え方です。両方とも 0.3 に下げた場合も、よりゆっくりですが均衡点に近づきます。",
		},
		expect: []Expectation{
			{Kind: ExpectSpiralsOut, Run: 0, Value: 10},
			{Kind: ExpectApproaches, Run: 1, Value: 1e-3},
			{Kind: ExpectConverges, Run: 1},
			{Kind: ExpectApproaches, Run: 2, Value: 1e-2},
		},
	},
	{
		id: "sharp-flat", lesson: 8,
		scenario: `{"surface":{"name":"sharp_flat"},"steps":600,"test_shift":[0.15,0.1],"runs":[
			{"label":"small LR","optimizer":{"name":"sgd","lr":0.015}},
			{"label":"larger LR + noise","optimizer":{"name":"sgd","lr":0.1},"noise":0.5,"seed":1}]}`,
		title: [2]string{"Sharp or flat minimum", "鋭い谷と平らな谷"},
		summary: [2]string{
			"A narrow, deep well lies on the way to a wide, shallow one. A small LR without noise (0.015) settles in the sharp well; a larger LR with gradient noise (0.1, σ = 0.5) cannot stay there and ends in the flat well. The test surface is the same landscape moved slightly: the sharp minimum's train–test gap is far larger.",
			"広くて浅い谷へ向かう途中に、狭くて深い谷があります。ノイズのない小さな学習率（0.015）は鋭い谷に収まりますが、勾配ノイズを加えた大きめの学習率（0.1、σ = 0.5）はそこに留まれず、平らな谷まで進みます。テスト用の面は同じ地形を少しずらしたもので、訓練とテストの損失の差は鋭い谷のほうがずっと大きくなります。",
		},
		expect: []Expectation{
			{Kind: ExpectEndsIn, Run: 0, Label: "sharp"},
			{Kind: ExpectEndsIn, Run: 1, Label: "flat"},
			{Kind: ExpectLargerGap, Run: 0, Other: 1},
		},
	},
	{
		id: "noisy-decay", lesson: 9,
		scenario: `{"surface":{"name":"quadratic"},"steps":300,"test_shift":[0.2,0.05],"runs":[
			{"label":"constant LR","optimizer":{"name":"sgd","lr":0.18},"noise":1,"seed":3},
			{"label":"cosine decay","optimizer":{"name":"sgd","lr":0.18},"scheduler":{"name":"cosine","T_max":300},"noise":1,"seed":3}]}`,
		title: [2]string{"A jagged loss curve, and how to calm it", "ギザギザの損失曲線とその抑え方"},
		summary: [2]string{
			"Both runs get the same noisy gradients at a large LR of 0.18. At a constant LR the loss curve stays jagged and the gradient norm never settles; with cosine decay the steps shrink, the curve smooths out and the final loss is lower. The test loss, measured on the surface shifted a little, follows the same pattern.",
			"2 つの実行は、同じノイズ入りの勾配を大きめの学習率 0.18 で受けています。学習率が一定のままだと損失曲線はギザギザのままで、勾配ノルムも落ち着きません。コサイン減衰をかけると歩幅が縮んで曲線がなめらかになり、最終的な損失も下がります。少しずらした面で測るテスト損失も、同じ傾向を示します。",
		},
		expect: []Expectation{
			{Kind: ExpectRougherThan, Run: 0, Other: 1, Value: 10},
			{Kind: ExpectLowerThan, Run: 1, Other: 0},
		},
	},
	{
		id: "summary", lesson: 10,
		scenario: `{"surface":{"name":"quadratic"},"steps":200,"runs":[
			{"label":"too small","optimizer":{"name":"sgd","lr":0.0001}},
			{"label":"about right","optimizer":{"name":"sgd","lr":0.1}},
			{"label":"too large","optimizer":{"name":"sgd","lr":0.21}}]}`,
		title: [2]string{"Too small, about right, too large", "小さすぎ・ちょうどよい・大きすぎ"},
		summary: [2]string{
			"Three LRs on one bowl tell the whole story: 0.0001 hardly moves, 0.1 converges quickly and 0.21 diverges. Choose an LR that is neither timid nor past the stability limit, then add a schedule; the best value depends on the problem, so measure rather than guess.",
			"ひとつのお椀に 3 つの学習率を並べると、要点がひと目でわかります。0.0001 はほとんど進まず、0.1 はすばやく収束し、0.21 は発散します。慎重すぎず、安定限界も超えない値を選んだうえでスケジューラを組み合わせましょう。最適な値は問題ごとに違うので、勘に頼らず確かめることが大切です。",
		},
		expect: []Expectation{
			{Kind: ExpectCrawls, Run: 0, Value: 0.5},
			{Kind: ExpectReaches, Run: 1, Value: 1e-6},
			{Kind: ExpectConverges, Run: 1},
			{Kind: ExpectDiverges, Run: 2},
		},
	},
}
