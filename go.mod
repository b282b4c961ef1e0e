module lrlab

go 1.26.8
