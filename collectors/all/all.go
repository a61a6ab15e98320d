// Package all links every collector into the binary: each registers itself
// with internal/collector from its init function.
package all

import (
	_ "github.com/ewom/ewom/collectors/appstore"      // appstore (customer reviews)
	_ "github.com/ewom/ewom/collectors/bluesky"       // bluesky (Jetstream)
	_ "github.com/ewom/ewom/collectors/discourse"     // discourse (latest.json, search.json)
	_ "github.com/ewom/ewom/collectors/forum"         // forum (HTML pages by CSS selectors; suomi24 and vauva presets)
	_ "github.com/ewom/ewom/collectors/hackernews"    // hackernews (Algolia)
	_ "github.com/ewom/ewom/collectors/mastodon"      // mastodon
	_ "github.com/ewom/ewom/collectors/reddit"        // reddit (OAuth API, .rss fallback)
	_ "github.com/ewom/ewom/collectors/rss"           // rss, with the google_alerts, youtube, reddit and discourse presets
	_ "github.com/ewom/ewom/collectors/stackexchange" // stackexchange (search/advanced)
)
