"""A seeded generator of fake secrets in realistic log text, and of benign look-alike lines.

Used by tests/test_redact.py and benchmarks/redact.py. Every secret is random (seeded), so a
test cannot pass by remembering values; each sample records the exact secret values that
must not survive redaction.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from dataclasses import dataclass, field

ALNUM = string.ascii_letters + string.digits
UPPER_NUM = string.ascii_uppercase + string.digits
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
PW_CHARS = ALNUM + "!#%*-_.~^"


@dataclass
class SecretSample:
    kind: str
    text: str  # one or more lines
    secrets: list[str] = field(default_factory=list)


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def s(self, chars: str, n: int) -> str:
        return "".join(self.r.choice(chars) for _ in range(n))

    def password(self) -> str:
        # at least one digit and one upper: realistic generated passwords
        core = self.s(PW_CHARS, self.r.randint(10, 20))
        return core + self.r.choice(string.digits) + self.r.choice(string.ascii_uppercase)

    def ts(self) -> str:
        return f"2024-{self.r.randint(1, 12):02d}-{self.r.randint(1, 28):02d}T{self.r.randint(0, 23):02d}:{self.r.randint(0, 59):02d}:{self.r.randint(0, 59):02d}.{self.r.randint(0, 999999):06d}Z"

    def airflow(self) -> str:
        mod = self.r.choice(["taskinstance.py:1937", "standard_task_runner.py:104", "logging_mixin.py:188", "base.py:84", "subprocess.py:93"])
        lvl = self.r.choice(["INFO", "WARNING", "ERROR"])
        return f"[2024-05-{self.r.randint(1, 28):02d}, {self.r.randint(0, 23):02d}:{self.r.randint(0, 59):02d}:{self.r.randint(0, 59):02d} UTC] {{{mod}}} {lvl} - "

    def k8s_name(self) -> str:
        base = self.r.choice(["nightly-etl", "billing-export", "report-builder", "db-backup", "sync-users", "ml-train"])
        return f"{base}-{self.r.randint(28000000, 28999999)}-{self.s('bcdfghjklmnpqrstvwxz2456789', 5)}"

    def host(self) -> str:
        return self.r.choice(["db.internal", "postgres-primary.data.svc.cluster.local", "10.0.3.17", "redis-master", "api.example.com", "mq.prod.local"])

    def jwt(self) -> str:
        def part(obj: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

        head = part({"alg": "HS256", "typ": "JWT"})
        body = part({"sub": self.s(ALNUM, 12), "exp": self.r.randint(1_700_000_000, 1_800_000_000)})
        return f"{head}.{body}.{self.s(ALNUM + '-_', 43)}"

    def pem_body(self, width: int = 64, lines: int = 0) -> list[str]:
        n = lines or self.r.randint(8, 26)
        body = [self.s(B64, width) for _ in range(n - 1)]
        body.append(self.s(B64, self.r.randint(8, width - 4)) + "==")
        return body


def _samples(g: Gen) -> list[SecretSample]:
    r = g.r
    out: list[SecretSample] = []

    def add(kind: str, text: str, *secrets: str) -> None:
        out.append(SecretSample(kind, text, list(secrets)))

    # --- cloud ------------------------------------------------------------------------------
    ak = "AKIA" + g.s(UPPER_NUM, 16)
    add("aws_access_key_id", r.choice([
        f"AWS_ACCESS_KEY_ID={ak}",
        f"{g.airflow()}Using AWS access key {ak} for s3://exports",
        f'    "AccessKeyId": "{ak}",',
        f"aws_access_key_id = {ak}",
    ]), ak)
    sk = g.s(B64, 40)
    add("aws_secret", r.choice([
        f"AWS_SECRET_ACCESS_KEY={sk}",
        f"export AWS_SECRET_ACCESS_KEY=\"{sk}\"",
        f'    "SecretAccessKey": "{sk}",',
        f"aws_secret_access_key = {sk}",
        f"      AWS_SECRET_ACCESS_KEY:  {sk}",
    ]), sk)
    st = r.choice(["IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdzE"]) + g.s(B64, r.randint(180, 300))
    add("aws_session_token", r.choice([
        f"AWS_SESSION_TOKEN={st}",
        f'    "SessionToken": "{st}",',
        f"> x-amz-security-token: {st}",
        f"{g.airflow()}assumed role, session token {st}",
    ]), st)
    body = g.pem_body()
    key_id = g.s(HEX, 40)
    sa = {
        "type": "service_account", "project_id": "acme-data", "private_key_id": key_id,
        "private_key": "-----BEGIN PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END PRIVATE KEY-----\n",
        "client_email": "etl@acme-data.iam.gserviceaccount.com", "client_id": str(r.randint(10**20, 10**21)),
    }
    add("gcp_service_account_json", json.dumps(sa), key_id, *body)
    add("gcp_service_account_json_pretty", json.dumps(sa, indent=2), key_id, *body)
    acct_key = g.s(B64, 86) + "=="
    add("azure_connection_string", r.choice([
        f"AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey={acct_key};EndpointSuffix=core.windows.net",
        f'{g.airflow()}conn: "DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey={acct_key};EndpointSuffix=core.windows.net"',
        f"  connectionString: Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={acct_key}",
    ]), acct_key)
    sig = g.s(ALNUM + "%", 44) + "%3D"
    add("azure_sas", f"{g.airflow()}GET https://acmelogs.blob.core.windows.net/exports/day.csv?sv=2022-11-02&ss=b&srt=o&sp=r&se=2024-06-01T00:00:00Z&st=2024-05-01T00:00:00Z&spr=https&sig={sig} -> 403", sig)

    # --- tokens -------------------------------------------------------------------------------
    for prefix, kind in [("ghp_", "github_pat_classic"), ("gho_", "github_oauth"), ("ghs_", "github_app")]:
        t = prefix + g.s(ALNUM, 36)
        add(kind, r.choice([
            f"GITHUB_TOKEN={t}",
            f"+ git clone https://x-access-token:{t}@github.com/acme/etl.git",
            f"> Authorization: token {t}",
            f"{g.airflow()}pushing with {t}",
        ]), t)
    t = "github_pat_" + g.s(ALNUM, 22) + "_" + g.s(ALNUM, 59)
    add("github_pat_fine", f"  GH_PAT: {t}", t)
    t = "glpat-" + g.s(ALNUM + "-_", 20)
    add("gitlab_token", r.choice([f"CI_JOB_TOKEN_OVERRIDE={t}", f"git remote set-url origin https://oauth2:{t}@gitlab.com/acme/etl.git", f"PRIVATE-TOKEN: {t}"]), t)
    t = r.choice(["xoxb", "xoxp", "xoxa", "xoxs", "xoxr"]) + f"-{r.randint(10**10, 10**11)}-{r.randint(10**10, 10**11)}-" + g.s(ALNUM, 24)
    add("slack_token", r.choice([f"SLACK_BOT_TOKEN={t}", f'{{"token": "{t}", "channel": "#data-oncall"}}', f"{g.airflow()}slack client token={t}"]), t)
    hook_path = f"T{g.s(UPPER_NUM, 8)}/B{g.s(UPPER_NUM, 10)}/{g.s(ALNUM, 24)}"
    add("slack_webhook", r.choice([
        f"{g.airflow()}posting alert to https://hooks.slack.com/services/{hook_path}",
        f"  webhook_url: https://hooks.slack.com/services/{hook_path}",
        f"curl -X POST -d @msg.json https://hooks.slack.com/services/{hook_path}",
    ]), hook_path.split("/")[-1])
    t = "sk-proj-" + g.s(ALNUM + "-_", 120)
    add("openai_project_key", r.choice([f"OPENAI_API_KEY={t}", f"openai.AuthenticationError: Error code: 401 - Incorrect API key provided: {t}"]), t)
    t = "sk-" + g.s(ALNUM, 48)
    add("openai_key", r.choice([f"export OPENAI_API_KEY='{t}'", f"{g.airflow()}client = OpenAI(api_key={t})"]), t)
    t = "sk-ant-api03-" + g.s(ALNUM + "-_", 93) + "AA"
    add("anthropic_key", r.choice([f"ANTHROPIC_API_KEY={t}", f"  x-api-key: {t}"]), t)
    t = r.choice(["sk_live_", "rk_live_"]) + g.s(ALNUM, 24)
    add("stripe_key", r.choice([f"STRIPE_SECRET={t}", f"stripe.api_key = '{t}'", f"{g.airflow()}charging with key {t}"]), t)
    t = "SG." + g.s(ALNUM + "-_", 22) + "." + g.s(ALNUM + "-_", 43)
    add("sendgrid_key", r.choice([f"SENDGRID_API_KEY={t}", f"{g.airflow()}mail backend sendgrid key {t}"]), t)
    t = "npm_" + g.s(ALNUM, 36)
    add("npm_token", r.choice([f"//registry.npmjs.org/:_authToken={t}", f"NPM_TOKEN={t}"]), t)
    t = "pypi-AgEIcHlwaS5vcmc" + g.s(ALNUM + "-_", 70)
    add("pypi_token", r.choice([f"TWINE_PASSWORD={t}", f"+ twine upload -u __token__ -p {t} dist/*", f"password = {t}"]), t)
    t = "AIza" + g.s(ALNUM + "-_", 35)
    add("google_api_key", r.choice([f"GET https://maps.googleapis.com/maps/api/geocode/json?address=x&key={t}", f"GOOGLE_API_KEY={t}", f"{g.airflow()}geocoder key {t} quota exceeded"]), t)
    t = "hf_" + g.s(ALNUM, 34)
    add("huggingface_token", f"HF_TOKEN={t}", t)
    t = "hvs." + g.s(ALNUM + "_-", 90)
    add("vault_token", r.choice([f"VAULT_TOKEN={t}", f"> X-Vault-Token: {t}"]), t)
    t = g.jwt()
    add("jwt", r.choice([
        f"{g.airflow()}Execution API request failed, token {t}",
        f'{{"access_token": "{t}", "token_type": "bearer"}}',
        f"  id_token: {t}",
        f"Set-Cookie: session={t}; Path=/; HttpOnly",
    ]), t)

    # --- private key blocks (multi-line) -------------------------------------------------------
    body = g.pem_body()
    kind_name = r.choice(["RSA ", "EC ", "", "ENCRYPTED "])
    add("pem_private_key", "\n".join([f"-----BEGIN {kind_name}PRIVATE KEY-----", *body, f"-----END {kind_name}PRIVATE KEY-----"]), *body)
    body = g.pem_body(width=70, lines=r.randint(7, 27))
    add("openssh_private_key", "\n".join(["+ cat /root/.ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----", *body, "-----END OPENSSH PRIVATE KEY-----"]), *body)
    body = g.pem_body()
    prefix = g.ts() + " stdout F "
    add("pem_in_kubectl_logs", "\n".join([prefix + "-----BEGIN RSA PRIVATE KEY-----", *[prefix + b for b in body], prefix + "-----END RSA PRIVATE KEY-----"]), *body)

    # --- passwords and generic assignments ----------------------------------------------------------
    pw = g.password()
    user = r.choice(["etl", "airflow", "report", "svc_backup"])
    scheme = r.choice(["postgresql", "postgres", "mysql", "redis", "amqp", "mongodb+srv", "https"])
    add("url_password", r.choice([
        f"{g.airflow()}Connecting to {scheme}://{user}:{pw}@{g.host()}:5432/warehouse",
        f"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN={scheme}://{user}:{pw}@{g.host()}/airflow",
        f"sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server failed [SQL: ...] url={scheme}://{user}:{pw}@{g.host()}/db",
        f'  "dsn": "{scheme}://{user}:{pw}@{g.host()}/db"',
    ]), pw)
    t = g.s(ALNUM + "-._~", r.randint(24, 60)) + "9Z"
    add("bearer_header", r.choice([f"> Authorization: Bearer {t}", f"curl -sS -H 'Authorization: Bearer {t}' https://api.example.com/v1/jobs", f'{{"headers": {{"Authorization": "Bearer {t}"}}}}', f"requests.exceptions.HTTPError: 401 Client Error for url https://api.example.com (headers={{'Authorization': 'Bearer {t}'}})"]), t)
    creds = base64.b64encode(f"{user}:{g.password()}".encode()).decode()
    add("basic_header", r.choice([f"> Authorization: Basic {creds}", f"proxy-authorization: Basic {creds}"]), creds)
    pw = g.password()
    add("env_password", r.choice([f"DB_PASSWORD={pw}", f"POSTGRES_PASSWORD={pw}", f"MYSQL_ROOT_PASSWORD={pw}", f"REDIS_PASS={pw}", f"export SMTP_PASSWORD={pw}", f"      DB_PASSWORD:  {pw}"]), pw)
    pw = g.password()
    add("flag_password", r.choice([f"+ /usr/local/bin/backup.sh --host {g.host()} --password={pw} --db warehouse", f"+ pg_dump --username etl --password {pw} warehouse", f"+ vault login -method=userpass username=etl password={pw}"]), pw)
    pw = g.password()
    add("mysql_p", r.choice([f"+ mysql -h {g.host()} -u root -p{pw} -e 'SELECT 1'", f"+ mysqldump -uroot -p{pw} --single-transaction shop > /backup/shop.sql"]), pw)
    pw = g.password()
    add("pgpassword", r.choice([f"+ PGPASSWORD={pw} psql -h {g.host()} -U etl -c 'select 1'", f"+ env PGPASSWORD='{pw}' pg_restore -d app dump.sql"]), pw)
    pw = g.password()
    add("json_password", r.choice([json.dumps({"host": g.host(), "user": user, "password": pw, "port": 5432}), f"{g.airflow()}conn extra: {json.dumps({'client_secret': pw})}", f"{{'login': '{user}', 'password': '{pw}'}}"]), pw)
    pw = g.password()
    add("yaml_password", r.choice([f"  password: {pw}", f"    db_password: \"{pw}\"", f"  - password: '{pw}'", f"secret_key: {pw}", f"  clientSecret: {pw}"]), pw)
    t = g.s(HEX, 32)
    add("api_key_assignment", r.choice([f"DD_API_KEY={t}", f"  api_key: {t}", f"{g.airflow()}request failed: GET https://api.vendor.io/v2/export?api_key={t}&day=2024-05-01 status=401", f"--api-key {t}"]), t)
    t = g.s(ALNUM, 32)
    add("client_secret", r.choice([f"OAUTH_CLIENT_SECRET={t}", f"client_secret={t}", f'  "client_secret": "{t}",']), t)
    t = g.s(ALNUM, 40)
    add("cookie", r.choice([f"> Cookie: sessionid={t}; csrftoken={g.s(ALNUM, 32)}", f"< Set-Cookie: _session_id={t}; path=/; secure; HttpOnly"]), t)
    pw = g.password()
    add("airflow_secret_env", r.choice([f"AIRFLOW__API_AUTH__JWT_SECRET={pw}", f"AIRFLOW__WEBSERVER__SECRET_KEY={pw}", f"AIRFLOW__CORE__FERNET_KEY={pw}"]), pw)
    pw = g.password()
    add("curl_user", f"+ curl -fsS -u {user}:{pw} https://artifacts.example.com/api/v1/export", pw)
    # Argument lists as Python (subprocess.CalledProcessError, Airflow "Running command:") and
    # JSON (a pod's args) print them: the secret is an item of its own.
    pw = g.password().replace("'", "").replace('"', "")
    host = g.host()
    add("argv_list", r.choice([
        f"subprocess.CalledProcessError: Command '['mysql', '-h', '{host}', '-u{user}', '-p{pw}', 'shop']' returned non-zero exit status 1.",
        f"{g.airflow()}Running command: ['pg_dump', '-h', '{host}', '--password', '{pw}', 'warehouse']",
        f"{g.airflow()}Running command: ['/usr/local/bin/export.sh', '--db-password={pw}', '--day', '2024-05-01']",
        f"  args: ['--db-password', '{pw}', '--since', '2d']",
        f"Command '['sshpass', '-p', '{pw}', 'rsync', '-a', '/data', 'backup@{host}:/data']' returned non-zero exit status 12.",
        f"Command '['curl', '-fsS', '-u', '{user}:{pw}', 'https://artifacts.example.com/x']' returned non-zero exit status 22.",
        f"Command '['env', 'PGPASSWORD={pw}', 'psql', '-h', '{host}', '-c', 'select 1']' returned non-zero exit status 2.",
        f'{{"command": ["/app/load"], "args": ["--password", "{pw}", "--table", "events"]}}',
        f'    args: ["redis-cli", "-h", "{host}", "-a", "{pw}", "ping"]',
    ]), pw)
    return out


def secret_samples(n: int = 240, seed: int = 7) -> list[SecretSample]:
    """At least n samples; every kind appears about equally often."""
    g = Gen(seed)
    out: list[SecretSample] = []
    while len(out) < n:
        out.extend(_samples(g))
    return out


def _benign_templates(g: Gen) -> list[str]:
    r = g.r
    digest = "sha256:" + g.s(HEX, 64)
    sha = g.s(HEX, 40)
    short = sha[:7]
    uid = str(uuid.UUID(int=r.getrandbits(128)))
    req = g.s(HEX, 32)
    pod = g.k8s_name()
    b64id = base64.urlsafe_b64encode(r.randbytes(24)).decode().rstrip("=")
    user = r.choice(["etl", "airflow", "report"])
    return [
        f"  Image:          registry.acme.io/data/etl@{digest}",
        f"  Image ID:       docker-pullable://registry.acme.io/data/etl@{digest}",
        f"Successfully pulled image \"registry.acme.io/data/etl:1.{r.randint(0, 40)}.{r.randint(0, 9)}\" in {r.randint(1, 9000)}ms",
        f"HEAD is now at {short} Merge pull request #{r.randint(100, 9999)} from acme/fix-{r.randint(1, 99)}",
        f"commit {sha}",
        f"{g.airflow()}Marking task as FAILED. dag_id=nightly_etl, task_id=load, run_id=scheduled__2024-05-0{r.randint(1, 9)}T00:00:00+00:00, execution_date=20240501T000000, start_date=20240502T000001, end_date=20240502T000{r.randint(100, 959)}",
        f"{g.airflow()}Task instance {uid} exited with return code 1",
        f"x-request-id: {req}",
        f"{g.ts()} level=error msg=\"upstream returned 503\" request_id={req} trace_id={g.s(HEX, 32)} span_id={g.s(HEX, 16)}",
        f"Error from server (NotFound): secrets \"db-creds-{r.randint(1, 9)}\" not found",
        f"  Warning  FailedMount  {r.randint(1, 59)}s  kubelet  MountVolume.SetUp failed for volume \"creds\" : secret \"db-creds\" not found",
        f"psql: error: connection to server at \"{g.host()}\" (10.0.3.{r.randint(2, 250)}), port 5432 failed: FATAL:  password authentication failed for user \"{user}\"",
        "Error: secret key not set",
        f"{g.airflow()}jwt.exceptions.ExpiredSignatureError: Signature has expired",
        f"{g.airflow()}Token expired at {g.ts()}, refreshing",
        "botocore.exceptions.ClientError: An error occurred (ExpiredToken) when calling the GetObject operation: The provided token has expired.",
        "botocore.exceptions.NoCredentialsError: Unable to locate credentials",
        "invalid token: expired",
        f"  DB_PASSWORD:  <set to the key 'password' in secret 'db-creds'>  Optional: false",
        f"  API_TOKEN:    <set to the key 'token' in secret 'vendor-{r.randint(1, 9)}'>  Optional: false",
        "password:  16 bytes",
        f"token:      {r.randint(100, 2000)} bytes",
        f"      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-{g.s('bcdfghjklmnpqrstvwxz2456789', 5)} (ro)",
        f"    secretName: db-creds",
        f"+ /opt/etl/run.sh --password-file /run/secrets/db_password --since {r.randint(1, 30)}d",
        f"{g.airflow()}Using connection ID 'postgres_warehouse' for task execution.",
        f"Name:           {pod}",
        f"Controlled By:  Job/{pod.rsplit('-', 1)[0]}",
        f"  Normal   Pulled     {r.randint(1, 59)}m   kubelet  Container image \"busybox:1.36\" already present on machine",
        f"  Last State:     Terminated\n    Reason:       OOMKilled\n    Exit Code:    137",
        f"etag: \"{b64id}\"",
        f"{g.ts()} INFO uploaded s3://acme-exports/2024/05/{r.randint(1, 28):02d}/part-{r.randint(0, 999):05d}-{uid}.parquet ({r.randint(1, 900)} MiB)",
        f"GET https://api.example.com/v1/jobs/{uid}?page_token={b64id[:12]} 200 {r.randint(5, 900)}ms",
        f"{g.airflow()}openai.RateLimitError: Error code: 429 - max_tokens={r.randint(100, 9000)} exceeds remaining quota",
        f"{g.airflow()}prompt used {r.randint(100, 9000)} tokens",
        f"  File \"/opt/airflow/dags/etl/load.py\", line {r.randint(10, 400)}, in load_partition",
        f"    conn = psycopg2.connect(host=cfg.host, password=cfg.password)",
        f"java.lang.IllegalStateException: Secret 'jdbc-password' is not configured",
        f"\tat com.acme.etl.Loader.run(Loader.java:{r.randint(10, 500)})",
        f"Caused by: java.sql.SQLException: Access denied for user '{user}'@'10.0.3.{r.randint(2, 250)}' (using password: YES)",
        f"panic: runtime error: invalid memory address or nil pointer dereference",
        f"goroutine {r.randint(1, 90)} [running]:",
        f"{g.ts()} npm ERR! code E401 npm ERR! Unable to authenticate, need: Basic realm=\"GitHub Package Registry\"",
        f"Error: Cannot find module '/app/dist/task-{r.randint(1, 9)}.js'",
        f"* Connected to {g.host()} (10.0.3.{r.randint(2, 250)}) port 443 (#0)",
        f"< HTTP/1.1 401 Unauthorized",
        f"< WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\"",
        f"* Server auth using Basic with user '{user}'",
        f"disk-usage-task-{r.randint(100, 999)} finished: {r.randint(1, 99)}% used on /dev/sda{r.randint(1, 4)}",
        f"{g.ts()} ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain",
        f"Warning: Permanently added '{g.host()}' (ED25519) to the list of known hosts.",
        f"kubectl create secret generic db-creds --from-literal=username={user} --dry-run=client -o yaml",
        f"helm upgrade --install etl ./chart --set image.tag={short} --namespace data",
        f"key={r.choice(['user', 'order', 'day'])}:{r.randint(1, 99999)} cache miss",
        f"{g.ts()} authentication failed for {user}@{g.host()}: invalid password",
        f"{g.ts()} the auth service at https://auth.example.com/health returned 503",
        f"ImportError: cannot import name 'TokenAuth' from 'acme.client' (/usr/lib/python3.11/site-packages/acme/client.py)",
        f"Secrets Manager: GetSecretValue on arn:aws:secretsmanager:eu-west-1:{r.randint(10**11, 10**12)}:secret:prod/db-{g.s(ALNUM, 6)} denied",
        f"bash: line 1: {r.randint(10, 999)} Killed                  python /opt/etl/train.py --epochs {r.randint(1, 50)}",
        f"subprocess.CalledProcessError: Command '['mysql', '-u', '{user}', '-p', 'shop', '-e', 'source /sql/{r.randint(1, 99)}.sql']' returned non-zero exit status 1.",
        f"{g.airflow()}Running command: ['/usr/bin/bash', '-c', 'python /opt/etl/run.py --since {r.randint(1, 30)}d --dry-run']",
        f"  args: ['--db-host', '{g.host()}', '--password-file', '/run/secrets/db_password', '--verbose']",
        f'    args: ["--token-file", "/var/run/secrets/tokens/vault", "--batch-size", "{r.randint(1, 5000)}"]',
        f"KeyError: ('auth', '{user}')",
    ]


def benign_lines(n: int = 1000, seed: int = 11) -> list[str]:
    g = Gen(seed)
    out: list[str] = []
    while len(out) < n:
        for t in _benign_templates(g):
            out.extend(t.split("\n"))
    return out[:n]
