//! The loop's side of a test run: `Engine::test` on its own task with a cancellation token
//! the loop keeps (`Esc` cancels it, quitting cancels and waits for its record like a
//! submission's), its answer sent back as [`Message::Tested`](crate::tui::message::Message).

use tokio::sync::mpsc::unbounded_channel;
use tokio_util::sync::CancellationToken;

use super::{TestRunId, tested};
use crate::engine::{Engine, TestError, TestRequest};
use crate::tui::message::Message;
use crate::tui::runtime::{Incoming, Runtime};

/// Starts run `id`; without an engine yet, answers at once that it did not run.
pub(crate) fn spawn_test(rt: &mut Runtime, id: TestRunId, request: TestRequest) {
    let tx = rt.tx.clone();
    let send = move |message: Message| {
        let _ = tx.send(Incoming::App(message));
    };
    let Some(engine) = rt.engine.clone() else {
        let error = TestError::Refused("the engine is not built yet".to_string());
        send(tested(id, Err(error)));
        return;
    };
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    let task = tokio::spawn(async move {
        let result = run(&engine, request, token).await;
        send(tested(id, result));
        send(Message::Token(engine.token_info()));
    });
    // A run superseded (only one runs at a time) is left to finish and record itself.
    rt.test_run = Some((id, cancel, task));
}

/// The run. Its executor events (a platform run's draft push and test request) are not
/// shown: the pane shows the report when it ends, and the records reach the history.
async fn run(
    engine: &Engine,
    request: TestRequest,
    cancel: CancellationToken,
) -> Result<crate::engine::Tested, TestError> {
    let (events, _) = unbounded_channel();
    engine.test(request, events, cancel).await
}

/// `Esc` on run `id`: cancelled when it is the one in flight.
pub(crate) fn cancel_test(rt: &Runtime, id: TestRunId) {
    if let Some((running, cancel, _)) = &rt.test_run
        && *running == id
    {
        cancel.cancel();
    }
}
