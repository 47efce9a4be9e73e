import { execFileSync } from "node:child_process";
import { serverBinary } from "./server";

/** The superuser the role tests sign in as, created with the real `createsuperuser`. */
export const superuser = { email: "root@example.com", password: "the superuser password" };

export default function globalSetup() {
  execFileSync(
    serverBinary,
    ["createsuperuser", "--email", superuser.email, "--name", "Root", "--no-input"],
    {
      env: {
        ...process.env,
        MIZAN_DATA_DIR: ".data",
        DATABASE_URL: "",
        MIZAN_SUPERUSER_PASSWORD: superuser.password,
      },
      stdio: "inherit",
    },
  );
}
