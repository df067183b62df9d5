// The persistent player (loaded once, from <head>, with `defer`): the queue, the <audio> element under
// #player (hx-preserve), listen reporting. Contract with the pages: any element with
// data-player-action="play|play-next|enqueue" and data-track-id, or data-player-action="play-all" with
// data-track-ids="1,2,3", is handled by one delegated click listener on document.
