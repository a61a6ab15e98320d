// Package all links every collector into the binary: each registers itself
// with internal/collector from its init function.
package all

import (
	_ "github.com/ewom/ewom/collectors/appstore"       // appstore (customer reviews)
	_ "github.com/ewom/ewom/collectors/bluesky"        // bluesky (Jetstream)
	_ "github.com/ewom/ewom/collectors/discourse"      // discourse (latest.json, search.json)
	_ "github.com/ewom/ewom/collectors/forum"          // forum (HTML pages by CSS selectors; suomi24 and vauva presets)
	_ "github.com/ewom/ewom/collectors/googlebusiness" // googlebusiness (Business Profile reviews of own locations)
	_ "github.com/ewom/ewom/collectors/googleplay"     // googleplay (Play Developer API reviews.list)
	_ "github.com/ewom/ewom/collectors/hackernews"     // hackernews (Algolia)
	_ "github.com/ewom/ewom/collectors/mastodon"       // mastodon
	_ "github.com/ewom/ewom/collectors/meta"           // meta (Facebook Page and Instagram comments, Graph API)
	_ "github.com/ewom/ewom/collectors/reddit"         // reddit (OAuth API, .rss fallback)
	_ "github.com/ewom/ewom/collectors/rss"            // rss, with the google_alerts, youtube, reddit and discourse presets
	_ "github.com/ewom/ewom/collectors/stackexchange"  // stackexchange (search/advanced)
	_ "github.com/ewom/ewom/collectors/trustpilot"     // trustpilot (business unit reviews)
	_ "github.com/ewom/ewom/collectors/x"              // x (API v2 recent search)
	_ "github.com/ewom/ewom/collectors/youtube"        // youtube (Data API v3 comments, quota-aware)
)
