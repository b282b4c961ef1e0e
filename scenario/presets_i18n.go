package scenario

// presetLabelsJA holds the Japanese run labels of the presets. Labels that
// read the same in both languages (optimizer names and numbers, such as
// "SGD 0.3" or "LR 0.19") have no entry.
var presetLabelsJA = map[string]string{
	"too small":                "小さすぎ",
	"too large":                "大きすぎ",
	"about right":              "ちょうどよい",
	"small LR":                 "小さい学習率",
	"larger LR + noise":        "大きめの学習率 + ノイズ",
	"constant LR":              "一定の学習率",
	"constant":                 "一定",
	"step":                     "段階的に減衰",
	"exponential":              "指数的に減衰",
	"cosine":                   "コサイン",
	"cosine decay":             "コサインで減衰",
	"warmup + cosine":          "ウォームアップ + コサイン",
	"one-cycle":                "ワンサイクル",
	"no warmup":                "ウォームアップなし",
	"20 steps of warmup":       "ウォームアップ 20 ステップ",
	"equal LRs (simultaneous)": "同じ学習率(同時更新)",
	"equal LRs (alternating)":  "同じ学習率(交互更新)",
	"y at 0.02 (simultaneous)": "y だけ 0.02(同時更新)",
	"x at 0.7 and y at 0.1":    "x は 0.7、y は 0.1",
	"both 0.7":                 "どちらも 0.7",
	"both 0.3":                 "どちらも 0.3",
	"SGD + momentum 0.9":       "SGD + モーメンタム 0.9",
	// presets_data.go
	"B = 2, LR 0.1":        "B = 2、学習率 0.1",
	"B = 4, LR 0.2":        "B = 4、学習率 0.2",
	"B = 4, LR 0.1":        "B = 4、学習率 0.1",
	"B = 100 (full batch)": "B = 100(全データ)",
	"B = 1":                "B = 1(1 行ずつ)",
}

// Localized returns the preset's scenario with its run labels in lang
// ("en" or "ja"); other languages get the English labels.
func (p Preset) Localized(lang string) Scenario {
	s := p.Scenario
	if lang != "ja" {
		return s
	}
	s.Runs = append(s.Runs[:0:0], s.Runs...)
	for i := range s.Runs {
		if ja, ok := presetLabelsJA[s.Runs[i].Label]; ok {
			s.Runs[i].Label = ja
		}
	}
	return s
}
