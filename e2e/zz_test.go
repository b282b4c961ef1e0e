package e2e
import ("testing";"time")
func TestZZ(t *testing.T){
 for _, id := range []string{"silver-steps", "warmup", "catapult"} {
 tb := newTab(t, wide)
 tb.open("/p/"+id)
 tb.maxSpeed()
 tb.play()
 tb.waitAllDone(20*time.Second)
 tb.frames(5); time.Sleep(300*time.Millisecond); tb.frames(2)
 t.Log(eval[string](tb, `JSON.stringify(__lab.runs.map((d) => d.limit.slice(0, 12)))`))
 t.Log(tb.screenshot("zz-"+id+".png"))
 }
}
