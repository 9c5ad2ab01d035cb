#!/usr/bin/env bash
# credentials_expired, red herring: the FX API's TLS server certificate (issued by the
# company CA the job trusts) expired two days ago, so every HTTPS call fails with
# "certificate verify failed: certificate has expired" and the job gives up after retries.
# Earlier in the run, one quarantined input row per part is logged with a full traceback.
# The CA and the expired certificate are generated here with openssl (`openssl ca` with an
# explicit -enddate in the past); the API is a loopback HTTPS server.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir ca && touch ca/index.txt && echo 1000 >ca/serial
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/O=Example Corp/CN=Example Internal CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/O=Example Corp/CN=localhost" 2>/dev/null
cat >ca.cnf <<CNF
[ca]
default_ca = ca_default
[ca_default]
dir = $WORK/ca
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $WORK/ca.pem
private_key = $WORK/ca.key
default_md = sha256
policy = policy_any
copy_extensions = none
[policy_any]
commonName = supplied
organizationName = optional
[srv_ext]
subjectAltName = DNS:localhost,IP:127.0.0.1
extendedKeyUsage = serverAuth
CNF
openssl ca -batch -config ca.cnf -extensions srv_ext -in srv.csr -out srv.pem \
  -startdate "$(date -u -d '367 days ago' +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d '2 days ago' +%Y%m%d%H%M%SZ)" 2>/dev/null
openssl x509 -in srv.pem -noout -enddate
$ETL gen-input in --date "$RUN_DATE" --days 1 --parts 8 --rows 4000 --dirty-rate 0.002
start_fx_api --cert srv.pem --key srv.key
record etl-tls-expired-001 nightly_etl $ETL run --input "$WORK/in" --output "$WORK/out" --date "$RUN_DATE" \
  --progress-every 100 --batch-size 100 --api-url "https://localhost:$FX_PORT" --ca-bundle "$WORK/ca.pem" --retries 4 \
  --loud-quarantine --stages bootstrap,extract,reference,transform,write
