package config

// Web configures the dashboard UI and its users.
type Web struct{}

func defaultWeb() Web { return Web{} }

func (w *Web) validate(bad badFunc) {}
