package sim

import "errors"

// NewSurface returns the surface c names. (Placeholder: being written.)
func NewSurface(c SurfaceConfig) (Surface, error) {
	return nil, errors.New("sim: surfaces not written yet")
}

// Catalog lists every surface with its default parameters. (Placeholder.)
func Catalog() []SurfaceInfo { return nil }
