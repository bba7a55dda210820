//! One generated TypeScript declaration per IPC type (ts-rs). A leaf: every feature lists its
//! own types with [`bindings_of!`](crate::bindings_of) and `botdeck_api::views::all_bindings` collects them.

use ts_rs::TS;

/// One generated file: its name under `ui/src/ipc/bindings/` and its contents.
pub struct Binding {
    pub file_name: String,
    pub contents: String,
}

#[macro_export]
macro_rules! bindings_of {
    ($($ty:ty),* $(,)?) => {
        vec![$($crate::bindings::binding::<$ty>()),*]
    };
}

pub fn binding<T: TS + 'static>() -> Binding {
    let contents = T::export_to_string().unwrap_or_else(|err| {
        format!(
            "// failed to generate the declaration of {}: {err}\n",
            T::name()
        )
    });
    Binding {
        file_name: format!("{}.ts", T::name()),
        contents,
    }
}
