include!("../build_commit.rs");

fn main() {
    embed_commit();
}
