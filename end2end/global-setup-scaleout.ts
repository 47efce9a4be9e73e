import { execFileSync } from "node:child_process";
import { serverBinary } from "./server";
import { superuser } from "./global-setup";

/** The superuser, created in the shared database with the real `createsuperuser`. */
export default function globalSetup() {
  execFileSync(
    serverBinary,
    ["createsuperuser", "--email", superuser.email, "--name", "Root", "--no-input"],
    {
      env: {
        ...process.env,
        DATABASE_URL: process.env.E2E_DATABASE_URL ?? "",
        MIZAN_DATA_DIR: ".data-scaleout",
        MIZAN_SUPERUSER_PASSWORD: superuser.password,
      },
      stdio: "inherit",
    },
  );
}
