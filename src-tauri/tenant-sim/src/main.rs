//! `botdeck-tenant-sim`: serve a simulated tenant until Ctrl-C.

use std::net::IpAddr;
use std::process::ExitCode;

use clap::Parser;
use tenant_sim::{SimConfig, TenantSize, BOTDECK_PUBLIC_CLIENT_ID};

#[derive(Debug, Parser)]
#[command(
    name = "botdeck-tenant-sim",
    about = "Entra ID + Microsoft Graph v1.0 simulator for BotDeck"
)]
struct Args {
    /// Tenant size: tiny, demo or large.
    #[arg(long, default_value = "demo", value_parser = parse_size)]
    size: TenantSize,
    /// Seed of the generated tenant (same seed and size, same tenant).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Port to listen on (0 = ephemeral).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Multiplies Microsoft's throttling limits (10 = ten times more requests per second).
    #[arg(long, default_value_t = 1.0)]
    throttle_scale: f64,
    /// Disable throttling altogether.
    #[arg(long)]
    no_throttling: bool,
    /// Approve browser sign-ins and admin consent without a click (default: demo size only).
    #[arg(long)]
    auto_approve: Option<bool>,
}

fn parse_size(s: &str) -> Result<TenantSize, String> {
    s.parse().map_err(|e: tenant_sim::SimError| e.to_string())
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let config = SimConfig {
        seed: args.seed,
        size: args.size,
        port: args.port,
        bind: args.bind,
        throttle_scale: args.throttle_scale,
        throttling: !args.no_throttling,
        auto_approve_browser: args.auto_approve,
        ..SimConfig::default()
    };
    let started = std::time::Instant::now();
    let sim = match tenant_sim::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "BotDeck tenant simulator ({:?}, seed {}) ready in {:.2?}",
        args.size,
        args.seed,
        started.elapsed()
    );
    println!("base URL:   {}", sim.base_url());
    println!("Graph URL:  {}", sim.graph_base_url());
    println!("authority:  {}/{}", sim.authority_host(), sim.tenant_id());
    println!("tenant id:  {}", sim.tenant_id());
    println!("domain:     {}", sim.tenant_domain());
    println!("admin UPN:  {}", sim.admin_upn());
    println!("client id:  {BOTDECK_PUBLIC_CLIENT_ID}");
    println!("control:    {}/_sim/state", sim.base_url());
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("error: cannot wait for Ctrl-C");
    }
    sim.shutdown().await;
    ExitCode::SUCCESS
}
