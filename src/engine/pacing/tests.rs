//! The pacer on a driven clock: `at(ms)` is `ms` milliseconds after a start that sits a
//! quarter of a second into a whole wall-clock second, like a server's epoch-aligned window.

use std::time::{Duration, Instant};

use super::window::{MARGIN, SEC};
use super::*;

/// 1_700_000_000.25 s since the epoch, in microseconds.
const WALL0: i64 = 1_700_000_000 * SEC + 250_000;

struct Driver {
    t0: Instant,
}

impl Driver {
    fn new() -> Driver {
        Driver { t0: Instant::now() }
    }
    fn at(&self, ms: u64) -> Clocks {
        Clocks {
            now: self.t0 + Duration::from_millis(ms),
            wall: WALL0 + i64::try_from(ms).expect("ms") * 1000,
        }
    }
    fn instant(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }
    /// When the window ending `whole_s` whole seconds after WALL0's second opens its
    /// successor: the end, plus the margin.
    fn opening(&self, whole_s: u64) -> Instant {
        let end_us = u64::try_from(SEC).expect("sec") * whole_s - 250_000;
        self.t0 + Duration::from_micros(end_us + u64::try_from(MARGIN).expect("margin"))
    }
}

fn rate(limit: u64, remaining: u64, reset: u64) -> RateLimit {
    RateLimit {
        limit: Some(limit),
        remaining: Some(remaining),
        reset: Some(reset),
    }
}

fn spec(text: &str) -> Option<RateSpec> {
    Some(text.parse().expect("spec"))
}

#[test]
fn a_burst_of_n_goes_at_once_then_one_every_period_over_n() {
    let d = Driver::new();
    let pacer = Pacer::new(spec("5/s"));
    for _ in 0..5 {
        assert_eq!(pacer.reserve_at(d.at(0)), d.instant(0));
    }
    assert_eq!(pacer.reserve_at(d.at(0)), d.instant(200));
    assert_eq!(pacer.reserve_at(d.at(0)), d.instant(400));
    assert_eq!(pacer.reserve_at(d.at(0)), d.instant(600));
}

#[test]
fn an_idle_bucket_refills_to_a_full_burst_and_no_more() {
    let d = Driver::new();
    let pacer = Pacer::new(spec("5/s"));
    for _ in 0..5 {
        pacer.reserve_at(d.at(0));
    }
    for _ in 0..5 {
        assert_eq!(pacer.reserve_at(d.at(5_000)), d.instant(5_000));
    }
    assert_eq!(pacer.reserve_at(d.at(5_000)), d.instant(5_200));
}

#[test]
fn off_without_server_headers_never_waits() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    for _ in 0..1000 {
        assert_eq!(pacer.reserve_at(d.at(0)), d.instant(0));
    }
}

#[test]
fn remaining_zero_holds_everything_until_the_window_resets() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    pacer.reserve_at(d.at(0));
    pacer.observe_at(d.at(5), d.instant(0), &rate(10, 0, 1));
    // The window ends at the next whole second, 750 ms after the start.
    assert_eq!(pacer.reserve_at(d.at(10)), d.opening(1));
    // Once it has, the next window's budget is there at once.
    assert_eq!(pacer.reserve_at(d.at(800)), d.instant(800));
}

#[test]
fn sends_in_flight_count_against_a_remaining_that_lags_behind() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    for _ in 0..16 {
        pacer.reserve_at(d.at(0));
    }
    // One answer back, fifteen still in flight: 49 - 15 = 34 more fit in this window.
    pacer.observe_at(d.at(3), d.instant(0), &rate(50, 49, 1));
    for _ in 0..34 {
        assert_eq!(pacer.reserve_at(d.at(3)), d.instant(3));
    }
    assert_eq!(pacer.reserve_at(d.at(3)), d.opening(1));
}

#[test]
fn our_own_count_bounds_a_window_even_when_answers_say_more_is_left() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    pacer.reserve_at(d.at(0));
    pacer.observe_at(d.at(2), d.instant(0), &rate(10, 9, 1));
    for _ in 0..9 {
        assert_eq!(pacer.reserve_at(d.at(2)), d.instant(2));
    }
    // Stale answers from early sends still say 9 left; our ten sends are the limit.
    pacer.observe_at(d.at(4), d.instant(2), &rate(10, 9, 1));
    assert_eq!(pacer.reserve_at(d.at(4)), d.opening(1));
}

#[test]
fn later_windows_open_one_period_apart_each_with_its_budget() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    pacer.reserve_at(d.at(0));
    pacer.observe_at(d.at(2), d.instant(0), &rate(3, 2, 1));
    let slots: Vec<Instant> = (0..8).map(|_| pacer.reserve_at(d.at(2))).collect();
    let expected = [
        d.instant(2),
        d.instant(2),
        d.opening(1),
        d.opening(1),
        d.opening(1),
        d.opening(2),
        d.opening(2),
        d.opening(2),
    ];
    assert_eq!(slots, expected);
}

#[test]
fn a_lower_server_limit_lowers_the_pace() {
    let d = Driver::new();
    let pacer = Pacer::new(spec("100/min"));
    pacer.reserve_at(d.at(0));
    pacer.observe_at(d.at(5), d.instant(0), &rate(10, 9, 60));
    for _ in 0..9 {
        assert_eq!(pacer.reserve_at(d.at(5)), d.instant(5));
    }
    // The bucket alone would allow 90 more; the server's window of 10 ends at the whole
    // second 60 s on.
    assert_eq!(pacer.reserve_at(d.at(5)), d.opening(60));
}

#[test]
fn a_higher_server_limit_does_not_raise_the_pace() {
    let d = Driver::new();
    let pacer = Pacer::new(spec("5/s"));
    pacer.reserve_at(d.at(0));
    pacer.observe_at(d.at(1), d.instant(0), &rate(1000, 999, 1));
    for _ in 0..4 {
        assert_eq!(pacer.reserve_at(d.at(1)), d.instant(1));
    }
    assert_eq!(pacer.reserve_at(d.at(1)), d.instant(200));
}

#[test]
fn hold_until_delays_every_send_and_a_shorter_hold_does_not_shorten_it() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    pacer.hold_until(d.instant(1_500));
    pacer.hold_until(d.instant(700));
    assert_eq!(pacer.reserve_at(d.at(0)), d.instant(1_500));
    assert_eq!(pacer.reserve_at(d.at(2_000)), d.instant(2_000));
}

#[test]
fn a_hold_spends_the_budget_of_the_window_it_ends_in() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    pacer.reserve_at(d.at(0));
    pacer.reserve_at(d.at(0));
    pacer.observe_at(d.at(2), d.instant(0), &rate(2, 1, 1));
    pacer.observe_at(d.at(2), d.instant(0), &rate(2, 0, 1));
    pacer.hold_until(d.instant(900));
    // The hold ends inside the second window (it opened at 753 ms): two fit there.
    assert_eq!(pacer.reserve_at(d.at(10)), d.instant(900));
    assert_eq!(pacer.reserve_at(d.at(10)), d.instant(900));
    assert_eq!(pacer.reserve_at(d.at(10)), d.opening(2));
}

#[test]
fn an_answer_about_a_closed_window_does_not_close_the_next() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    pacer.reserve_at(d.at(0));
    pacer.reserve_at(d.at(0));
    pacer.observe_at(d.at(2), d.instant(0), &rate(3, 2, 1));
    // Second window: the unanswered send may count in it, so two of three are left.
    assert_eq!(pacer.reserve_at(d.at(760)), d.instant(760));
    // The first window's other answer, late: "1 left" is about that window, not this one.
    pacer.observe_at(d.at(761), d.instant(0), &rate(3, 1, 1));
    assert_eq!(pacer.reserve_at(d.at(761)), d.instant(761));
    assert_eq!(pacer.reserve_at(d.at(761)), d.opening(2));
}

#[test]
fn an_epoch_timestamp_reset_is_read_as_the_window_end() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    pacer.reserve_at(d.at(0));
    let end_s = u64::try_from(WALL0 / SEC).expect("secs") + 30;
    pacer.observe_at(d.at(1), d.instant(0), &rate(5, 0, end_s));
    assert_eq!(pacer.reserve_at(d.at(1)), d.opening(30));
}

#[test]
fn windows_off_the_whole_second_fall_back_to_safe_bounds() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    // A 10 s window that ends 5.5 s after the start's whole second (at 5_250 ms): a send at
    // 0 ms hears "6 s left", one at 350 ms "5 s left"; no whole second fits both.
    pacer.reserve_at(d.at(0));
    pacer.observe_at(d.at(1), d.instant(0), &rate(10, 9, 6));
    assert!(pacer.lock().server.aligned());
    pacer.reserve_at(d.at(350));
    pacer.observe_at(d.at(351), d.instant(350), &rate(10, 0, 5));
    assert!(!pacer.lock().server.aligned());
    // The end is now only known to lie in (5_249, 5_601] ms: wait for the upper bound.
    let margin = Duration::from_micros(u64::try_from(MARGIN).expect("margin"));
    assert_eq!(pacer.reserve_at(d.at(400)), d.instant(5_351) + margin);
}

#[test]
fn refusals_while_our_count_had_room_distrust_the_whole_second_guess() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    for _ in 0..10 {
        pacer.reserve_at(d.at(0));
    }
    // Ten sent, limit ten, yet five refused: the window was not the one we thought.
    for remaining in [4, 3, 2, 1, 0] {
        pacer.observe_at(d.at(2), d.instant(0), &rate(10, remaining, 1));
    }
    assert!(pacer.lock().server.aligned());
    pacer.observe_at(d.at(2), d.instant(0), &rate(10, 0, 1));
    assert!(!pacer.lock().server.aligned());
}

#[test]
fn a_server_window_wait_over_the_cap_is_refused_and_takes_no_slot() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    pacer.reserve_at(d.at(0));
    // One a window, none left, the window ends in an hour.
    pacer.observe_at(d.at(5), d.instant(0), &rate(1, 0, 3600));
    let refused = pacer
        .reserve_within_at(d.at(10), Duration::from_secs(120))
        .expect_err("an hour is over the cap");
    assert!(
        refused.wait > Duration::from_secs(3500) && refused.wait <= Duration::from_secs(3600),
        "{refused:?}"
    );
    // Nothing was taken: the next window's one send is still free.
    assert_eq!(
        pacer.reserve_within_at(d.at(10), Duration::MAX),
        Ok(d.opening(3600))
    );
}

#[test]
fn a_retry_after_hold_over_the_cap_is_refused() {
    let d = Driver::new();
    let pacer = Pacer::new(None);
    pacer.hold_until(d.instant(5_000));
    assert_eq!(
        pacer.reserve_within_at(d.at(0), Duration::from_secs(1)),
        Err(ServerWaitTooLong {
            wait: Duration::from_secs(5)
        })
    );
    assert_eq!(
        pacer.reserve_within_at(d.at(0), Duration::from_secs(5)),
        Ok(d.instant(5_000))
    );
}

#[test]
fn a_long_wait_from_the_profiles_own_rate_limit_is_not_capped() {
    let d = Driver::new();
    let pacer = Pacer::new(spec("1/h"));
    assert_eq!(
        pacer.reserve_within_at(d.at(0), Duration::from_secs(1)),
        Ok(d.instant(0))
    );
    assert_eq!(
        pacer.reserve_within_at(d.at(0), Duration::from_secs(1)),
        Ok(d.instant(3_600_000))
    );
}
