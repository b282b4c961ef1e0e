package scenario

// dataPresetDefs are the lessons on the data surfaces (linreg on the
// built-in data sets of sim/datasets.go), after presetDefs.
var dataPresetDefs = []presetDef{
	{
		id: "normalise-inputs", lesson: 2,
		scenario: `{"surface":{"name":"linreg","dataset":"hundreds"},"steps":200,"runs":[
			{"label":"LR 7e-5","optimizer":{"name":"sgd","lr":7e-5}},
			{"label":"LR 8e-5","optimizer":{"name":"sgd","lr":8e-5}}]}`,
		title: [2]string{"Raw inputs in the hundreds: a thin valley", "数百の大きさの生の入力:細い谷"},
		summary: [2]string{
			"Fitting y = w·x + b to x in the hundreds makes a valley some 60,000 times steeper across than along, so plain gradient descent is stable only for LR < 2/λmax ≈ 7.3e-5: at 8e-5 the run diverges, and at 7e-5 it drops to the valley floor and then barely moves along it. On the standardised twin of these data (the next lesson) the same limit is 1, over 10,000 times larger; the gauge beside the LR slider shows it.",
			"x が数百の大きさのまま y = w·x + b を当てはめると、損失面は横切る方向が沿う方向よりおよそ 6 万倍も急な細い谷になります。そのため素の勾配降下法が安定するのは学習率が 2/λmax ≈ 7.3e-5 より小さいときだけで、8e-5 では発散し、7e-5 では谷底までは下りてもそこからほとんど進みません。同じデータを標準化した「双子」(次のレッスン)では同じ限界が 1 になり、1 万倍以上も大きくなります。学習率スライダーの横のゲージで確かめてください。",
		},
		expect: []Expectation{
			{Kind: ExpectCrawls, Run: 0, Value: 0.1},
			{Kind: ExpectDiverges, Run: 1},
			{Kind: ExpectLimitRatio, Run: 0, Label: "hundreds_std", Value: 100},
		},
	},
	{
		id: "normalise-inputs-std", lesson: 2,
		scenario: `{"surface":{"name":"linreg","dataset":"hundreds_std"},"steps":60,"runs":[
			{"label":"LR 0.07","optimizer":{"name":"sgd","lr":0.07}}]}`,
		title: [2]string{"The same data, standardised: a round bowl", "同じデータを標準化:丸いお椀"},
		summary: [2]string{
			"The same 50 points with x standardised to mean 0 and standard deviation 1: both curvatures are 2, the bowl is round and 2/λmax = 1. An LR of 0.07, about a thousand times the largest stable LR on the raw inputs, reaches the minimum within a few dozen steps. This is why inputs are normalised before training.",
			"同じ 50 点で、x を平均 0・標準偏差 1 に標準化したものです。曲率はどちらの方向も 2 で、お椀は丸く、2/λmax = 1 です。生の入力では安定の上限だった値のおよそ 1000 倍にあたる学習率 0.07 で、数十ステップのうちに最小点へ着きます。学習の前に入力を正規化するのはこのためです。",
		},
		expect: []Expectation{
			{Kind: ExpectReaches, Run: 0, Value: 0.0651}, // the minimum's loss is 0.06503
		},
	},
	{
		id: "batch-size-vs-lr", lesson: 9,
		scenario: `{"surface":{"name":"linreg","dataset":"noisy_line"},"steps":300,"runs":[
			{"label":"B = 2, LR 0.1","optimizer":{"name":"sgd","lr":0.1},"batch_size":2,"seed":1},
			{"label":"B = 4, LR 0.2","optimizer":{"name":"sgd","lr":0.2},"batch_size":4,"seed":1},
			{"label":"B = 4, LR 0.1","optimizer":{"name":"sgd","lr":0.1},"batch_size":4,"seed":1}]}`,
		title: [2]string{"Batch size and LR move together (Goyal et al., 2017)", "バッチサイズと学習率は一緒に動かす(Goyal ら、2017 年)"},
		summary: [2]string{
			"Mini-batch SGD on a noisy line three ways: B = 2 at LR 0.1, B = 4 at LR 0.2 and B = 4 at LR 0.1. Near the minimum each trail jitters and the loss keeps a floor above its minimum; doubling B and the LR together keeps that floor about the same (the linear scaling rule of Goyal et al., \"Accurate, large minibatch SGD\"), while doubling B alone makes it quieter, with steps half as long. Averaged over 8 seeds, the excess loss of the last 100 steps is about 0.019, 0.024 and 0.008.",
			"ノイズのある直線に、ミニバッチ SGD を 3 通りで当てはめます。B = 2・学習率 0.1、B = 4・学習率 0.2、B = 4・学習率 0.1 です。最小点の近くでは軌跡が小刻みに揺れ、損失は最小値より少し上に「床」を残します。B と学習率を一緒に 2 倍にすると床の高さはほぼ変わらず(Goyal らの論文「Accurate, large minibatch SGD」の線形スケーリング則)、B だけを 2 倍にすると揺れは静かになる一方、1 歩の長さは半分になります。8 通りのシードで平均すると、最後の 100 ステップの損失の超過分はおよそ 0.019、0.024、0.008 です。",
		},
		expect: []Expectation{
			{Kind: ExpectFloorNear, Run: 1, Other: 0, Value: 1.5},
			{Kind: ExpectNoisierThan, Run: 0, Other: 2, Value: 1.8},
			{Kind: ExpectNoisierThan, Run: 1, Other: 2, Value: 1.8},
		},
	},
	{
		id: "full-vs-mini-batch", lesson: 8,
		scenario: `{"surface":{"name":"linreg","dataset":"noisy_line"},"steps":300,"runs":[
			{"label":"B = 100 (full batch)","optimizer":{"name":"sgd","lr":0.1}},
			{"label":"B = 1","optimizer":{"name":"sgd","lr":0.1},"batch_size":1,"seed":1}]}`,
		title: [2]string{"Full batch against one row at a time", "全データ一括と 1 行ずつ"},
		summary: [2]string{
			"The same LR of 0.1 on the noisy line, well inside the stability limit of full-batch descent (2/λmax ≈ 1): with all 100 rows in every step the run glides to the least-squares line and stops, while with B = 1 each step follows one row's gradient, so the trail keeps wandering around the minimum and the loss curve stays jagged. This wander is real mini-batch noise, not an added σ, and it shrinks as B grows.",
			"ノイズのある直線で、全データを使う勾配降下なら安定限界(2/λmax ≈ 1)の十分内側にある学習率 0.1 を使います。毎ステップ 100 行すべてを使うと最小二乗の直線へなめらかに進んで止まりますが、B = 1 では 1 ステップごとに 1 行だけの勾配に従うので、軌跡は最小点のまわりをさまよい続け、損失曲線もギザギザのままです。このさまよいは人工的に足した σ ではなく本物のミニバッチのノイズで、B を大きくすると小さくなります。",
		},
		expect: []Expectation{
			{Kind: ExpectReaches, Run: 0, Value: 0.24252}, // the minimum's loss is 0.242517
			{Kind: ExpectRougherThan, Run: 1, Other: 0, Value: 100},
		},
	},
}
