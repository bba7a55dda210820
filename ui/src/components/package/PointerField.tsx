import { useEffect, useRef, useState } from "react";
import { Field, Input, Textarea } from "@fluentui/react-components";
import type { Finding } from "../../ipc/package";

/** How long typing pauses before the edit is sent (and the package re-validated). */
export const EDIT_DEBOUNCE_MS = 350;

/** Findings whose path is this pointer or inside it (manifest.json only). */
export function findingsAt(findings: Finding[], pointer: string) {
  return findings.filter((f) => f.file === "manifest.json" && (f.path === pointer || f.path.startsWith(`${pointer}/`)));
}

export interface PointerFieldProps {
  pointer: string;
  label: string;
  value: string;
  findings: Finding[];
  onEdit: (pointer: string, value: string | undefined) => void;
  /** An optional field: clearing it removes the key instead of writing "". */
  optional?: boolean;
  multiline?: boolean;
  hint?: string;
  placeholder?: string;
  ariaLabel?: string;
  contentBefore?: JSX.Element;
}

/**
 * A text field bound to one JSON Pointer in manifest.json. It keeps what the admin is typing
 * while focused (answers from Rust arrive after each debounced edit and must not move the
 * caret), and follows the package otherwise (bump, JSON edits, icon fixes).
 */
export function PointerField({ pointer, label, value, findings, onEdit, optional, multiline, hint, placeholder, ariaLabel, contentBefore }: PointerFieldProps) {
  const [text, setText] = useState(value);
  const focused = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pending = useRef<string | null>(null);

  useEffect(() => {
    if (!focused.current) setText(value);
  }, [value]);

  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  const flush = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    if (pending.current === null) return;
    const next = pending.current;
    pending.current = null;
    onEdit(pointer, optional && next === "" ? undefined : next);
  };

  const change = (next: string) => {
    setText(next);
    pending.current = next;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(flush, EDIT_DEBOUNCE_MS);
  };

  const mine = findingsAt(findings, pointer);
  const worst = mine.find((f) => f.severity === "error") ?? mine[0];
  const common = {
    value: text,
    placeholder,
    "data-pointer": pointer,
    "data-testid": `field-${pointer}`,
    "aria-label": ariaLabel,
    onFocus: () => {
      focused.current = true;
    },
    onBlur: () => {
      focused.current = false;
      flush();
    },
  };
  return (
    <Field
      label={label}
      hint={hint}
      validationState={worst ? (worst.severity === "error" ? "error" : worst.severity === "warning" ? "warning" : "none") : "none"}
      validationMessage={worst ? `${worst.code}: ${worst.message}` : undefined}
    >
      {multiline ? (
        <Textarea {...common} resize="vertical" rows={3} onChange={(_, d) => change(d.value)} />
      ) : (
        <Input {...common} contentBefore={contentBefore} onChange={(_, d) => change(d.value)} />
      )}
    </Field>
  );
}
