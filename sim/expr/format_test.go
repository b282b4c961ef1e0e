package expr

// Format parses src and returns its canonical text (see Expr.String). Test
// code only: the server stores the text a user typed and has no caller of it.
func Format(src string) (string, error) {
	e, err := Parse(src)
	if err != nil {
		return "", err
	}
	return e.String(), nil
}
