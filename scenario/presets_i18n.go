package scenario

// Languages are the languages of the presets' texts and labels.
var Languages = []string{"en", "ja"}

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
	"AdamW, weight decay 0.5":  "AdamW(重み減衰 0.5)",
	// the research lessons (presets_research.go)
	"100 steps of warmup": "ウォームアップ 100 ステップ",
	"WSD":                 "WSD(ウォームアップ・安定・減衰)",
	"constant 1/L":        "一定 1/L",
	"silver steps":        "シルバー刻み幅",
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

// LessonKey is s's share-link query with the run labels left out: what
// makes a lesson, whatever the language of its labels (the page's
// state.js presetOf compares the same way).
func LessonKey(s Scenario) string {
	s.Runs = append(s.Runs[:0:0], s.Runs...)
	for i := range s.Runs {
		s.Runs[i].Label = ""
	}
	return s.Encode()
}

// LocalizeLabels returns s with every run label that is the preset's own
// label of that run, in any language, in lang instead; other labels (the
// reader's own) are kept. s is meant to be the preset's scenario
// (LessonKey(s) == LessonKey(p.Scenario)).
func (p Preset) LocalizeLabels(s Scenario, lang string) Scenario {
	want := p.Localized(lang)
	s.Runs = append(s.Runs[:0:0], s.Runs...)
	for i := range s.Runs {
		if i >= len(want.Runs) {
			break
		}
		for _, l := range Languages {
			if own := p.Localized(l).Runs[i].Label; own == s.Runs[i].Label {
				s.Runs[i].Label = want.Runs[i].Label
				break
			}
		}
	}
	return s
}
