import { startBrainstemSandbox, startFlowSandbox, startOdmSandbox, startStomicsSandbox } from "./index.js";
import { FLOW_SANDBOX_USERS } from "./flow/index.js";

/** `npm run sandbox`: starts every sandbox portal and prints where they are and how to log in. */
async function main() {
  const port = Number(process.env.SANDBOX_PORT ?? 4010);
  const stomics = await startStomicsSandbox({ port, storagePort: port + 1 });
  const odm = await startOdmSandbox({ port: port + 2 });
  // SANDBOX_AUTO_APPROVE=1 (alice) or =<user>: BrainSTEM device flows are approved without the page.
  const autoApprove = process.env.SANDBOX_AUTO_APPROVE;
  const brainstem = await startBrainstemSandbox({
    port: port + 3,
    autoApprove: autoApprove ? (autoApprove === "1" ? "alice" : (autoApprove as "alice")) : undefined,
  });
  const flow = await startFlowSandbox({ port: port + 4 });
  console.log("sciportals sandbox portals (Ctrl-C to stop)\n");
  console.log(`STOmics        ${stomics.url}   (pre-signed storage ${stomics.storage.url})`);
  console.log(`               STOMICS_BASE_URL=${stomics.url} STOMICS_API_KEY=${stomics.apiKey}`);
  console.log(`Genestack ODM  ${odm.url}`);
  console.log(`               GENESTACK_ODM_BASE_URL=${odm.url} GENESTACK_API_TOKEN=${odm.apiToken}`);
  console.log(`               (or GENESTACK_ACCESS_TOKEN=${odm.accessToken}, sent as Authorization: Bearer)`);
  console.log(`BrainSTEM      ${brainstem.url}`);
  console.log(
    `               BRAINSTEM_BASE_URL=${brainstem.url} BRAINSTEM_API_TOKEN=${brainstem.users.alice.token} BRAINSTEM_DEMO_PROJECT=${brainstem.ids["project/visual"]}`,
  );
  for (const [handle, user] of Object.entries(brainstem.users))
    console.log(
      `               ${handle.padEnd(6)} ${user.isStaff ? "(staff) " : ""}BRAINSTEM_API_TOKEN=${user.token}`,
    );
  console.log(`               device flow: approve at ${brainstem.approveUrl}`);
  console.log(
    autoApprove
      ? `               (SANDBOX_AUTO_APPROVE=${autoApprove}: device flows are approved at once)`
      : "               (or start with SANDBOX_AUTO_APPROVE=1 to approve device flows at once)",
  );
  console.log(`Flow           ${flow.url}`);
  console.log(
    `               FLOW_BASE_URL=${flow.url} FLOW_USERNAME=${flow.username} FLOW_PASSWORD=${flow.password}`,
  );
  console.log(`               (or FLOW_API_TOKEN=${flow.apiKey}; read-only key ${flow.readOnlyApiKey})`);
  for (const [handle, user] of Object.entries(FLOW_SANDBOX_USERS))
    console.log(
      `               ${handle.padEnd(6)} FLOW_USERNAME=${user.username} FLOW_PASSWORD=${user.password}`,
    );
  console.log(
    "               downloads also take the token as ?token=<token> or the login's flow_refresh_token cookie",
  );
  console.log(
    process.env.SANDBOX_CORS_ORIGINS
      ? `\nCORS: browser apps at ${process.env.SANDBOX_CORS_ORIGINS} may call these servers (with credentials)`
      : "\nCORS is off: set SANDBOX_CORS_ORIGINS=http://127.0.0.1:5173[,…] to let a browser app at that origin call",
  );
  console.log("\nPut those variables in front of `npm run demo` to run it against these servers.");
  const stop = async () => {
    await Promise.all([stomics.close(), odm.close(), brainstem.close(), flow.close()]);
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
