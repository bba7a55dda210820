import { useCallback, useEffect, useState } from "react";
import { ipc, type ApiError, type DoctorReport } from "../ipc";

export function useDoctor() {
  const [report, setReport] = useState<DoctorReport | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [running, setRunning] = useState(false);

  const run = useCallback(async () => {
    setRunning(true);
    try {
      setReport(await ipc.runDoctor());
      setError(null);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setRunning(false);
    }
  }, []);

  useEffect(() => {
    void run();
  }, [run]);

  return { report, error, running, run };
}
