#!/usr/bin/env node
// CartFul (SPEC-v1.md worked example, specs/cartful.yaml) in AWS CDK v2, plain JavaScript.
// `cdk synth` runs this file (see "app" in cdk.json); `node app.js` does the same work without the CLI.
'use strict';

const cdk = require('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2');
const ecs = require('aws-cdk-lib/aws-ecs');
const ecr = require('aws-cdk-lib/aws-ecr');
const elbv2 = require('aws-cdk-lib/aws-elasticloadbalancingv2');
const iam = require('aws-cdk-lib/aws-iam');
const logs = require('aws-cdk-lib/aws-logs');
const rds = require('aws-cdk-lib/aws-rds');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');
const secretsmanager = require('aws-cdk-lib/aws-secretsmanager');

const NAME = 'cartful';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const CERTIFICATE_ARN =
  'arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0000-4000-8000-000000000000';

// services: key -> spec. Order only decides the listener rule priorities.
const SERVICES = {
  user_metadata: {
    image: 'user_metadata', tag: '1.4.2', port: 1010, cpu: 256, memory: 512,
    replicas: { min: 3, max: 12, cpuTarget: 60 }, route: '/users', healthCheck: '/health',
    env: { LOG_LEVEL: 'info' },
    secrets: { API_KEY: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cartful/api-AbCdEf' },
    access: [{ database: 'orders' }, { table: 'configs', mode: 'read_write' }],
  },
  flight_metadata: {
    image: 'flight_metadata', tag: '2.0.0', port: 2020, cpu: 256, memory: 512,
    replicas: { min: 3, max: 12, cpuTarget: 60 }, route: '/flights', healthCheck: '/',
    access: [{ database: 'orders' }, { table: 'configs' }],
  },
  flights_availability: {
    image: 'flights_availability', tag: '0.9.1', port: 3030, cpu: 256, memory: 512,
    replicas: { min: 3, max: 12, cpuTarget: 60 }, route: '/availability', healthCheck: '/',
    access: [{ table: 'configs' }, { service: 'flight_metadata' }],
  },
};
const REGISTRIES = ['user_metadata', 'flight_metadata', 'flights_availability'];

// CamelCase construct ids and DNS-friendly physical names from spec keys.
const pascal = (s) => s.split(/[_-]/).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
const dns = (s) => s.replace(/_/g, '-');

class CartfulStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);

    // ---------------------------------------------------------------- network
    const vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: `${NAME}-vpc`,
      ipAddresses: ec2.IpAddresses.cidr('10.0.0.0/16'),
      maxAzs: 3,
      natGateways: 1, // nat: single, in the first public subnet
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        All: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    // The spec carves tier t / AZ i into slot 8*t+i (private = 10.0.8-10.0/24);
    // the Vpc construct allocates sequentially, so pin the private CIDRs.
    vpc.privateSubnets.forEach((subnet, i) => {
      subnet.node.defaultChild.cidrBlock = `10.0.${8 + i}.0/24`;
    });

    // Interface endpoints: `endpoints: [ecr, logs]`.
    const endpoints = {
      EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    };
    for (const [id, service] of Object.entries(endpoints)) {
      vpc.addInterfaceEndpoint(`${id}Endpoint`, {
        service,
        privateDnsEnabled: true,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      });
    }

    // One network ACL per tier (`nacls: true`).
    const publicAcl = new ec2.NetworkAcl(this, 'PublicNacl', {
      vpc, networkAclName: `${NAME}-public`,
      subnetSelection: { subnetType: ec2.SubnetType.PUBLIC },
    });
    publicAcl.addEntry('InHttps', { ruleNumber: 100, cidr: ec2.AclCidr.anyIpv4(), traffic: ec2.AclTraffic.tcpPort(443), direction: ec2.TrafficDirection.INGRESS });
    publicAcl.addEntry('InHttp', { ruleNumber: 110, cidr: ec2.AclCidr.anyIpv4(), traffic: ec2.AclTraffic.tcpPort(80), direction: ec2.TrafficDirection.INGRESS });
    publicAcl.addEntry('InEphemeral', { ruleNumber: 120, cidr: ec2.AclCidr.anyIpv4(), traffic: ec2.AclTraffic.tcpPortRange(1024, 65535), direction: ec2.TrafficDirection.INGRESS });
    publicAcl.addEntry('InVpc', { ruleNumber: 130, cidr: ec2.AclCidr.ipv4(vpc.vpcCidrBlock), traffic: ec2.AclTraffic.allTraffic(), direction: ec2.TrafficDirection.INGRESS });
    publicAcl.addEntry('OutAll', { ruleNumber: 100, cidr: ec2.AclCidr.anyIpv4(), traffic: ec2.AclTraffic.allTraffic(), direction: ec2.TrafficDirection.EGRESS });
    const privateAcl = new ec2.NetworkAcl(this, 'PrivateNacl', {
      vpc, networkAclName: `${NAME}-private`,
      subnetSelection: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });
    privateAcl.addEntry('InVpc', { ruleNumber: 100, cidr: ec2.AclCidr.ipv4(vpc.vpcCidrBlock), traffic: ec2.AclTraffic.allTraffic(), direction: ec2.TrafficDirection.INGRESS });
    privateAcl.addEntry('InEphemeral', { ruleNumber: 110, cidr: ec2.AclCidr.anyIpv4(), traffic: ec2.AclTraffic.tcpPortRange(1024, 65535), direction: ec2.TrafficDirection.INGRESS });
    privateAcl.addEntry('OutAll', { ruleNumber: 100, cidr: ec2.AclCidr.anyIpv4(), traffic: ec2.AclTraffic.allTraffic(), direction: ec2.TrafficDirection.EGRESS });

    // ------------------------------------------------------------- registries
    const repos = {};
    for (const key of REGISTRIES) {
      repos[key] = new ecr.Repository(this, `${pascal(key)}Repo`, {
        repositoryName: key, // image URIs expect the bare registry key
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        imageScanOnPush: true,
        lifecycleRules: [{ description: 'keep last 30 images', maxImageCount: 30 }],
      });
    }

    // ------------------------------------------------------------------ table
    const tables = {
      configs: new dynamodb.Table(this, 'ConfigsTable', {
        tableName: `${NAME}-configs`,
        partitionKey: { name: 'config_id', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'version', type: dynamodb.AttributeType.NUMBER },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        removalPolicy: cdk.RemovalPolicy.RETAIN,
      }),
    };

    // --------------------------------------------------------------- database
    const databases = {
      orders: new rds.DatabaseInstance(this, 'OrdersDb', {
        instanceIdentifier: `${NAME}-orders`,
        engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16_4 }),
        instanceType: new ec2.InstanceType('t4g.medium'),
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, // no isolated tier
        securityGroups: [new ec2.SecurityGroup(this, 'OrdersDbSg', {
          vpc, securityGroupName: `${NAME}-orders-db`,
          description: 'cartful orders database: port 5432 from its client services only',
          allowAllOutbound: false,
        })],
        credentials: rds.Credentials.fromUsername('app'),
        manageMasterUserPassword: true,
        multiAz: true,
        port: 5432,
        allocatedStorage: 50,
        storageType: rds.StorageType.GP3,
        maxAllocatedStorage: 200,
        storageEncrypted: true,
        backupRetention: cdk.Duration.days(7),
        iamAuthentication: true,
        deletionProtection: true,
        publiclyAccessible: false,
        removalPolicy: cdk.RemovalPolicy.SNAPSHOT,
      }),
    };

    // ----------------------------------------------------------- load balancer
    const alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      loadBalancerName: `${NAME}-alb`,
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      deletionProtection: true,
      dropInvalidHeaderFields: true,
    });
    const https = alb.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(CERTIFICATE_ARN)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: true, // allowed_cidrs: [0.0.0.0/0]
      defaultAction: elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: 'not found' }),
    });
    alb.addRedirect({ sourcePort: 80, sourceProtocol: elbv2.ApplicationProtocol.HTTP, targetPort: 443, targetProtocol: elbv2.ApplicationProtocol.HTTPS });

    // --------------------------------------------------------------- services
    const cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName: NAME,
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const services = {};
    let priority = 10;
    for (const [key, spec] of Object.entries(SERVICES)) {
      const id = pascal(key);
      const logGroup = new logs.LogGroup(this, `${id}Logs`, {
        logGroupName: `/ecs/${NAME}/${key}`,
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: cdk.RemovalPolicy.RETAIN,
      });
      // Each service gets its own task role; grants below add only what `access` implies.
      const taskRole = new iam.Role(this, `${id}TaskRole`, {
        roleName: `${NAME}-${dns(key)}-task`,
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
        description: `task role of the ${key} service`,
      });
      const taskDefinition = new ecs.FargateTaskDefinition(this, `${id}TaskDef`, {
        family: `${NAME}-${dns(key)}`,
        cpu: spec.cpu,
        memoryLimitMiB: spec.memory,
        taskRole,
        runtimePlatform: {
          operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
          cpuArchitecture: ecs.CpuArchitecture.X86_64,
        },
      });
      const secrets = {};
      for (const [name, arn] of Object.entries(spec.secrets || {})) {
        secrets[name] = ecs.Secret.fromSecretsManager(
          secretsmanager.Secret.fromSecretCompleteArn(this, `${id}${pascal(name.toLowerCase())}Secret`, arn));
      }
      taskDefinition.addContainer('app', {
        containerName: key,
        image: ecs.ContainerImage.fromEcrRepository(repos[spec.image], spec.tag),
        portMappings: [{ containerPort: spec.port, protocol: ecs.Protocol.TCP }],
        user: '1000',
        readonlyRootFilesystem: true,
        privileged: false,
        environment: spec.env || {},
        secrets,
        logging: ecs.LogDrivers.awsLogs({ streamPrefix: key, logGroup }),
        essential: true,
      });

      const securityGroup = new ec2.SecurityGroup(this, `${id}Sg`, {
        vpc,
        securityGroupName: `${NAME}-${dns(key)}`,
        description: `${key} tasks: port ${spec.port} from the load balancer and its client services`,
      });
      const service = new ecs.FargateService(this, `${id}Service`, {
        serviceName: `${NAME}-${dns(key)}`,
        cluster,
        taskDefinition,
        desiredCount: spec.replicas.min,
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        assignPublicIp: false,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [securityGroup],
        circuitBreaker: { enable: true, rollback: true },
        enableExecuteCommand: false,
      });

      if (spec.route) {
        https.addTargets(`${id}Targets`, {
          targetGroupName: `${NAME}-${dns(key)}`.slice(0, 32),
          port: spec.port,
          protocol: elbv2.ApplicationProtocol.HTTP,
          targets: [service],
          priority,
          conditions: [elbv2.ListenerCondition.pathPatterns([spec.route, `${spec.route}/*`])],
          healthCheck: {
            path: spec.healthCheck,
            healthyHttpCodes: '200-399',
            interval: cdk.Duration.seconds(15),
            timeout: cdk.Duration.seconds(5),
            healthyThresholdCount: 2,
            unhealthyThresholdCount: 3,
          },
          deregistrationDelay: cdk.Duration.seconds(30),
        });
        priority += 10;
      }

      const scaling = service.autoScaleTaskCount({
        minCapacity: spec.replicas.min,
        maxCapacity: spec.replicas.max,
      });
      scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: spec.replicas.cpuTarget });

      services[key] = { key, service, taskRole, spec };
    }

    // ------------------------------------------------------------------ access
    for (const { key, service, taskRole, spec } of Object.values(services)) {
      for (const grant of spec.access) {
        if (grant.database) {
          const db = databases[grant.database];
          db.connections.allowDefaultPortFrom(service, `${key} to ${grant.database}`);
          db.grantConnect(taskRole, 'app');
        } else if (grant.table) {
          const table = tables[grant.table];
          const mode = grant.mode || 'read';
          if (mode === 'read') table.grantReadData(taskRole);
          else if (mode === 'write') table.grantWriteData(taskRole);
          else table.grantReadWriteData(taskRole);
        } else if (grant.service) {
          const target = services[grant.service];
          target.service.connections.allowFrom(service, ec2.Port.tcp(target.spec.port),
            `${key} to ${grant.service}`);
        }
      }
    }

    // ------------------------------------------------------ cross-account role
    const pushRole = new iam.Role(this, 'EcrPushRole', {
      roleName: `${NAME}-ecr-push`,
      description: 'CI in account 210987654321 pushes images to the cartful registries',
      assumedBy: new iam.ArnPrincipal('arn:aws:iam::210987654321:user/ci-pusher'),
      externalIds: ['cartful-ci-7f3a'],
      maxSessionDuration: cdk.Duration.hours(1),
    });
    for (const key of REGISTRIES) repos[key].grantPush(pushRole);

    // ---------------------------------------------------------------- outputs
    new cdk.CfnOutput(this, 'LoadBalancerDns', { value: alb.loadBalancerDnsName });
    new cdk.CfnOutput(this, 'EcrPushRoleArn', { value: pushRole.roleArn });
    new cdk.CfnOutput(this, 'OrdersEndpoint', { value: databases.orders.dbInstanceEndpointAddress });
  }
}

const app = new cdk.App();
const stack = new CartfulStack(app, 'cartful', {
  stackName: NAME,
  env: { account: ACCOUNT, region: REGION },
  description: 'CartFul (infrac benchmark peer, AWS CDK v2)',
});
cdk.Tags.of(stack).add('project', 'cartful');
cdk.Tags.of(stack).add('owner', 'platform');
app.synth();
