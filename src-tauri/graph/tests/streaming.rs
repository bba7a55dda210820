//! The executor takes requests as a producer makes them: reads start before the producer is
//! done, every request comes back with its caller's tag, and cancel really stops the run.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use axum::Router;
use botdeck_graph::{Executor, GraphClient, Pacer, RouteLimits, Sensitive, SubRequest};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// A `$batch` endpoint that answers 200 to every member and records when each batch arrived
/// and how many members it carried.
async fn serve() -> (String, Arc<Mutex<Vec<(Instant, usize)>>>) {
    let seen: Arc<Mutex<Vec<(Instant, usize)>>> = Arc::default();
    let state = seen.clone();
    let app = Router::new().route(
        "/v1.0/$batch",
        post(move |axum::Json(body): axum::Json<Value>| {
            let state = state.clone();
            async move {
                let members = body["requests"].as_array().cloned().unwrap_or_default();
                state
                    .lock()
                    .expect("lock")
                    .push((Instant::now(), members.len()));
                let responses: Vec<Value> = members
                    .iter()
                    .map(|m| json!({"id": m["id"], "status": 200, "body": {"value": []}}))
                    .collect();
                axum::Json(json!({ "responses": responses }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/v1.0"), seen)
}

fn executor(base: &str) -> Executor {
    let graph = GraphClient::new(reqwest::Client::new(), base)
        .with_pacing(Arc::new(Pacer::new()), RouteLimits::microsoft());
    Executor::for_client(graph)
}

fn read(team: usize) -> SubRequest {
    SubRequest::get(format!("/teams/t{team}/installedApps"))
}

#[tokio::test]
async fn reads_start_before_the_producer_is_done_and_come_back_with_their_tags() {
    let (base, seen) = serve().await;
    let executor = executor(&base);
    let token = Sensitive::new("t".to_string());
    let (queue, incoming) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let mut answered: Vec<(String, u16)> = Vec::new();
    let producer = async {
        for team in 0..3 {
            queue
                .send((format!("team {team}"), read(team)))
                .expect("queued");
        }
        // The next "page" takes a while to list.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let second_page = Instant::now();
        for team in 3..6 {
            queue
                .send((format!("team {team}"), read(team)))
                .expect("queued");
        }
        drop(queue);
        second_page
    };
    let run = executor.run_stream(&token, incoming, &cancel, |tag, response| {
        answered.push((tag, response.status));
    });
    let (second_page, stats) = tokio::join!(producer, run);
    answered.sort();
    let expected: Vec<(String, u16)> = (0..6).map(|t| (format!("team {t}"), 200)).collect();
    assert_eq!(answered, expected);
    assert_eq!(stats.sub_requests, 6);
    assert_eq!(stats.not_sent, 0);
    let batches = seen.lock().expect("lock").clone();
    assert!(
        batches[0].0 < second_page,
        "the first page's reads waited for the whole listing"
    );
    assert_eq!(batches.iter().map(|b| b.1).sum::<usize>(), 6);
}

#[tokio::test]
async fn cancel_closes_the_queue_and_counts_what_was_not_sent() {
    let (base, seen) = serve().await;
    let executor = executor(&base);
    let token = Sensitive::new("t".to_string());
    let (queue, incoming) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let mut answered = 0u32;
    let producer = async {
        queue.send((0usize, read(0))).expect("queued");
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.cancel();
        tokio::time::sleep(Duration::from_millis(100)).await;
        // What the producer still makes after the cancel is refused, not sent.
        let refused = (1..4)
            .filter(|&t| queue.send((t, read(t))).is_err())
            .count();
        drop(queue);
        refused
    };
    let run = executor.run_stream(&token, incoming, &cancel, |_, _| answered += 1);
    let (refused, stats) = tokio::join!(producer, run);
    assert_eq!(answered, 1, "the read sent before the cancel is answered");
    assert_eq!(refused, 3);
    assert_eq!(stats.sub_requests, 1);
    assert_eq!(seen.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn a_cancelled_run_with_a_queue_still_open_returns() {
    let (base, _seen) = serve().await;
    let executor = executor(&base);
    let token = Sensitive::new("t".to_string());
    let (queue, incoming) = mpsc::unbounded_channel::<(usize, SubRequest)>();
    let cancel = CancellationToken::new();
    // Two reads of one team already spent its second's allowance share; many more wait.
    for i in 0..40 {
        queue.send((i, read(0))).expect("queued");
    }
    let stopper = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    };
    let run = executor.run_stream(&token, incoming, &cancel, |_, _| {});
    let (_, stats) = tokio::time::timeout(Duration::from_secs(10), async {
        tokio::join!(stopper, run)
    })
    .await
    .expect("the run stops on cancel although its producer never closed the queue");
    assert!(stats.not_sent > 0);
    assert_eq!(stats.sub_requests + stats.not_sent, 40);
    drop(queue);
}
