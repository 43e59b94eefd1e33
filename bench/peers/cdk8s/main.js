#!/usr/bin/env node
// CartFul services (SPEC-v1.md worked example, specs/cartful.yaml) in cdk8s + cdk8s-plus-32,
// plain JavaScript. `cdk8s synth` runs this file (see "app" in cdk8s.yaml); `node main.js`
// does the same work without the CLI. Output: dist/0000-cartful-namespace.k8s.yaml and
// dist/0001-cartful.k8s.yaml.
'use strict';

const { App, Chart, Duration, Size } = require('cdk8s');
const kplus = require('cdk8s-plus-32');

const NAME = 'cartful';
const NAMESPACE = 'cartful';
const ACCOUNT = '123456789012';
const REGISTRY = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const CERTIFICATE_ARN =
  'arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0000-4000-8000-000000000000';
const VPC_PUBLIC_CIDRS = ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']; // where the ALB lives

const SERVICES = {
  user_metadata: {
    image: `${REGISTRY}/user_metadata:1.4.2`, port: 1010, cpu: 256, memory: 512,
    replicas: { min: 3, max: 12, cpuTarget: 60 }, route: '/users', healthCheck: '/health',
    env: { LOG_LEVEL: 'info' },
    // The value lives in AWS Secrets Manager (cartful/api); in Kubernetes it is
    // referenced from a Secret that an operator (e.g. External Secrets) keeps in sync.
    secrets: { API_KEY: { secret: 'cartful-api', key: 'API_KEY' } },
    access: [{ database: 'orders' }, { table: 'configs', mode: 'read_write' }],
  },
  flight_metadata: {
    image: `${REGISTRY}/flight_metadata:2.0.0`, port: 2020, cpu: 256, memory: 512,
    replicas: { min: 3, max: 12, cpuTarget: 60 }, route: '/flights', healthCheck: '/',
    access: [{ database: 'orders' }, { table: 'configs' }],
  },
  flights_availability: {
    image: `${REGISTRY}/flights_availability:0.9.1`, port: 3030, cpu: 256, memory: 512,
    replicas: { min: 3, max: 12, cpuTarget: 60 }, route: '/availability', healthCheck: '/',
    access: [{ table: 'configs' }, { service: 'flight_metadata' }],
  },
};

const dns = (s) => s.replace(/_/g, '-'); // Kubernetes names are DNS-1123

// The namespace is cluster-scoped, so it gets a chart of its own, synthesized first.
class NamespaceChart extends Chart {
  constructor(scope, id, props) {
    super(scope, id, props);
    new kplus.Namespace(this, 'Namespace', {
      metadata: { name: NAMESPACE, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
  }
}

class CartfulChart extends Chart {
  constructor(scope, id, props) {
    super(scope, id, props);

    const workloads = {};
    for (const [key, spec] of Object.entries(SERVICES)) {
      const id = dns(key); // construct ids become object names: DNS-1123 too
      const name = `${NAME}-${id}`;
      const labels = { 'app.kubernetes.io/name': dns(key), 'app.kubernetes.io/part-of': NAME };

      // Per-service identity: IRSA maps the service account to the service's own IAM task role.
      const serviceAccount = new kplus.ServiceAccount(this, `${id}-sa`, {
        metadata: {
          name,
          labels,
          annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${ACCOUNT}:role/${name}-task` },
        },
        automountToken: true, // the AWS SDK reads the projected web identity token
      });

      const deployment = new kplus.Deployment(this, id, {
        metadata: { name, labels },
        podMetadata: { labels },
        serviceAccount,
        automountServiceAccountToken: true,
        securityContext: {
          ensureNonRoot: true,
          user: 1000,
          group: 1000,
          fsGroup: 1000,
        },
        strategy: kplus.DeploymentStrategy.rollingUpdate({
          maxSurge: kplus.PercentOrAbsolute.percent(25),
          maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
        }),
        spread: false,
        isolate: true, // default-deny NetworkPolicy; allowed peers are added below
      });
      // Prefer one replica per AZ (soft: the HPA may scale past the AZ count).
      deployment.scheduling.spread({ topology: kplus.Topology.ZONE, weight: 100 });

      const envVariables = {};
      for (const [k, v] of Object.entries(spec.env || {})) envVariables[k] = kplus.EnvValue.fromValue(v);
      for (const [k, ref] of Object.entries(spec.secrets || {})) {
        envVariables[k] = kplus.EnvValue.fromSecretValue({
          secret: kplus.Secret.fromSecretName(this, `${id}-${k.toLowerCase()}`, ref.secret),
          key: ref.key,
        });
      }

      const container = deployment.addContainer({
        name: dns(key),
        image: spec.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ports: [{ name: 'http', number: spec.port, protocol: kplus.Protocol.TCP }],
        envVariables,
        securityContext: {
          ensureNonRoot: true,
          user: 1000,
          group: 1000,
          privileged: false,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: [kplus.Capability.ALL] },
          seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        },
        resources: {
          cpu: { request: kplus.Cpu.millis(spec.cpu), limit: kplus.Cpu.millis(spec.cpu * 2) },
          memory: { request: Size.mebibytes(spec.memory), limit: Size.mebibytes(spec.memory) },
        },
        readiness: kplus.Probe.fromHttpGet(spec.healthCheck, {
          port: spec.port, periodSeconds: Duration.seconds(10), failureThreshold: 3,
        }),
        liveness: kplus.Probe.fromHttpGet(spec.healthCheck, {
          port: spec.port, initialDelaySeconds: Duration.seconds(10), periodSeconds: Duration.seconds(15),
        }),
      });
      // A read-only root filesystem still needs somewhere to write temporary files.
      container.mount('/tmp', kplus.Volume.fromEmptyDir(this, `${id}-tmp`, 'tmp', {
        sizeLimit: Size.mebibytes(64),
      }));

      const service = deployment.exposeViaService({
        name,
        serviceType: kplus.ServiceType.CLUSTER_IP,
        ports: [{ name: 'http', port: spec.port, targetPort: spec.port }],
      });
      // The AWS Load Balancer Controller reads health checks per Service.
      service.metadata.addAnnotation('alb.ingress.kubernetes.io/healthcheck-path', spec.healthCheck);

      new kplus.HorizontalPodAutoscaler(this, `${id}-hpa`, {
        metadata: { name },
        target: deployment,
        minReplicas: spec.replicas.min,
        maxReplicas: spec.replicas.max,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(spec.replicas.cpuTarget))],
      });

      workloads[key] = { deployment, service, spec };
    }

    // Ingress: the ALB (AWS Load Balancer Controller), HTTPS 443 with the certificate, 80 redirects to 443.
    const ingress = new kplus.Ingress(this, 'ingress', {
      metadata: {
        name: NAME,
        annotations: {
          'alb.ingress.kubernetes.io/scheme': 'internet-facing',
          'alb.ingress.kubernetes.io/target-type': 'ip',
          'alb.ingress.kubernetes.io/listen-ports': '[{"HTTPS":443},{"HTTP":80}]',
          'alb.ingress.kubernetes.io/ssl-redirect': '443',
          'alb.ingress.kubernetes.io/certificate-arn': CERTIFICATE_ARN,
          'alb.ingress.kubernetes.io/ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
          'alb.ingress.kubernetes.io/inbound-cidrs': '0.0.0.0/0',
          'alb.ingress.kubernetes.io/load-balancer-attributes':
            'deletion_protection.enabled=true,routing.http.drop_invalid_header_fields.enabled=true',
          'alb.ingress.kubernetes.io/tags': `project=${NAME},owner=platform`,
        },
      },
      className: 'alb',
    });

    // Network paths: each service's port only from the load balancer (public subnets)
    // and from services that list it in `access`.
    const albBlocks = VPC_PUBLIC_CIDRS.map((cidr, i) =>
      kplus.NetworkPolicyIpBlock.ipv4(this, `alb-subnet-${i}`, cidr));
    for (const [key, { deployment, service, spec }] of Object.entries(workloads)) {
      if (spec.route) {
        // Prefix matches /route and /route/* alike.
        ingress.addRule(spec.route, kplus.IngressBackend.fromService(service), kplus.HttpIngressPathType.PREFIX);
        for (const block of albBlocks) {
          deployment.connections.allowFrom(block, {
            isolation: kplus.PodConnectionsIsolation.POD,
            ports: [kplus.NetworkPolicyPort.tcp(spec.port)],
          });
        }
      }
      for (const grant of spec.access) {
        if (grant.service) {
          const target = workloads[grant.service];
          target.deployment.connections.allowFrom(deployment, {
            ports: [kplus.NetworkPolicyPort.tcp(target.spec.port)],
          });
        }
      }
      // Egress: DNS, and the VPC (database, endpoints) plus the internet through the NAT gateway.
      deployment.connections.allowTo(kplus.NetworkPolicyIpBlock.anyIpv4(this, `${dns(key)}-egress`), {
        isolation: kplus.PodConnectionsIsolation.POD,
        ports: [kplus.NetworkPolicyPort.tcp(443), kplus.NetworkPolicyPort.tcp(5432),
          kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)],
      });
    }
  }
}

const app = new App();
const tags = { project: NAME, owner: 'platform' }; // the spec's `tags`, on every object
const namespace = new NamespaceChart(app, `${NAME}-namespace`, { labels: tags });
const chart = new CartfulChart(app, NAME, { namespace: NAMESPACE, labels: tags });
chart.addDependency(namespace);
app.synth();
